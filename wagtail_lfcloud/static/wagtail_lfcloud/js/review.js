// Pin a comment to a region: drag a rectangle on the image; its position is stored as fractions
// of the image (x, y, w, h in 0..1) in the comment form's hidden fields.
(function () {
  'use strict';

  function init(stage) {
    const form = document.querySelector('[data-lfcloud-comment-form]');
    if (!form) return;
    const draft = stage.querySelector('[data-lfcloud-draft]');
    const clear = form.querySelector('[data-lfcloud-clear-region]');
    const fields = {};
    ['x', 'y', 'w', 'h'].forEach((k) => { fields[k] = form.querySelector('input[name=' + k + ']'); });
    let start = null;

    function point(e) {
      const r = stage.getBoundingClientRect();
      return {
        x: Math.min(Math.max((e.clientX - r.left) / r.width, 0), 1),
        y: Math.min(Math.max((e.clientY - r.top) / r.height, 0), 1),
      };
    }

    function show(region) {
      draft.hidden = !region;
      clear.hidden = !region;
      ['x', 'y', 'w', 'h'].forEach((k) => { fields[k].value = region ? region[k].toFixed(4) : ''; });
      if (region) {
        draft.style.left = region.x * 100 + '%';
        draft.style.top = region.y * 100 + '%';
        draft.style.width = region.w * 100 + '%';
        draft.style.height = region.h * 100 + '%';
      }
    }

    function regionTo(p) {
      return {
        x: Math.min(start.x, p.x), y: Math.min(start.y, p.y),
        w: Math.abs(p.x - start.x), h: Math.abs(p.y - start.y),
      };
    }

    stage.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      start = point(e);
      stage.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    stage.addEventListener('pointermove', (e) => {
      if (start) show(regionTo(point(e)));
    });
    stage.addEventListener('pointerup', (e) => {
      if (!start) return;
      const region = regionTo(point(e));
      start = null;
      // A click without a drag is not a region.
      if (region.w < 0.01 || region.h < 0.01) { show(null); return; }
      show(region);
      form.querySelector('textarea').focus();
    });
    clear.addEventListener('click', () => show(null));

    // Hovering a comment highlights its pin.
    document.querySelectorAll('[data-comment]').forEach((li) => {
      const pin = stage.querySelector('[data-pin="' + li.dataset.comment + '"]');
      if (!pin) return;
      li.addEventListener('mouseenter', () => pin.classList.add('is-highlighted'));
      li.addEventListener('mouseleave', () => pin.classList.remove('is-highlighted'));
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('[data-lfcloud-stage]').forEach(init);
  });
})();
