// Pin a comment to a region: drag a rectangle on the image; its position is stored as fractions
// of the image (x, y, w, h in 0..1) in the comment form's hidden fields.
// On a clip, the stage holds the player: a click plays or pauses, a drag pauses and pins the
// region on the frame shown; the comment takes the player's time code (hidden field "time"),
// pins show around their time, and time codes (comments, timeline markers) seek the player.
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
    const player = stage.querySelector('[data-lfcloud-player]');
    const video = player ? initPlayer(stage, player, form) : null;

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
      if (video) video.pause();
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
      // A click without a drag is not a region (on a clip: play or pause).
      if (region.w < 0.01 || region.h < 0.01) {
        show(null);
        if (video) video.toggle();
        return;
      }
      show(region);
      if (video) video.stamp();
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

  function timeCode(seconds) {
    const minutes = Math.floor(seconds / 60);
    const rest = (seconds - minutes * 60).toFixed(1);
    return minutes + ':' + (rest < 10 ? '0' : '') + rest;
  }

  function initPlayer(stage, player, form) {
    const controls = document.querySelector('[data-lfcloud-player-controls]');
    const play = controls && controls.querySelector('[data-lfcloud-play]');
    const scrub = controls && controls.querySelector('[data-lfcloud-scrub]');
    const clock = controls && controls.querySelector('[data-lfcloud-clock]');
    const timeInput = form.querySelector('input[name=time]');
    const timeField = form.querySelector('[data-lfcloud-timecode-field]');
    const timeLabel = form.querySelector('[data-lfcloud-timecode-label]');
    const clearTime = form.querySelector('[data-lfcloud-clear-time]');
    const duration = parseFloat(player.dataset.duration) || 0;
    const pins = Array.from(stage.querySelectorAll('.lfcloud-pin[data-time]'));

    function update() {
      const t = player.currentTime || 0;
      if (clock) clock.textContent = timeCode(t) + ' / ' + timeCode(duration);
      if (scrub && document.activeElement !== scrub) scrub.value = t;
      if (play) play.textContent = player.paused ? controls.dataset.labelPlay : controls.dataset.labelPause;
      // A pinned region belongs to a moment: show it within half a second of its time.
      pins.forEach((pin) => pin.classList.toggle('is-away', Math.abs(parseFloat(pin.dataset.time) - t) > 0.5));
      stage.dataset.time = t.toFixed(3);
    }

    function setTime(seconds) {
      if (!timeInput) return;
      if (seconds === null) {
        timeInput.value = '';
        if (timeField) timeField.hidden = true;
        return;
      }
      timeInput.value = seconds.toFixed(3);
      if (timeLabel) timeLabel.textContent = timeCode(seconds);
      if (timeField) timeField.hidden = false;
    }

    const api = {
      pause() { if (!player.paused) player.pause(); },
      toggle() { if (player.paused) player.play(); else player.pause(); },
      // The comment being written is about the frame shown now.
      stamp() { api.pause(); setTime(player.currentTime || 0); },
      seek(seconds) {
        api.pause();
        player.currentTime = Math.min(Math.max(seconds, 0), duration || seconds);
        update();
      },
    };

    ['timeupdate', 'play', 'pause', 'seeked', 'loadedmetadata'].forEach((name) => player.addEventListener(name, update));
    if (play) play.addEventListener('click', () => api.toggle());
    if (scrub) scrub.addEventListener('input', () => api.seek(parseFloat(scrub.value)));
    if (clearTime) clearTime.addEventListener('click', () => setTime(null));
    const text = form.querySelector('textarea');
    if (text) text.addEventListener('focus', () => { if (!timeInput.value) api.stamp(); });
    document.querySelectorAll('[data-lfcloud-seek]').forEach((button) => {
      button.addEventListener('click', () => api.seek(parseFloat(button.dataset.lfcloudSeek)));
    });
    update();
    return api;
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('[data-lfcloud-stage]').forEach(init);
  });
})();
