// The comparison slider: the range input reveals the right-hand version over the left one.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('[data-lfcloud-slider]').forEach((slider) => {
      const over = slider.querySelector('[data-lfcloud-slider-over]');
      const range = slider.querySelector('[data-lfcloud-slider-range]');
      const update = () => { over.style.clipPath = 'inset(0 0 0 ' + range.value + '%)'; };
      range.addEventListener('input', update);
      update();
    });
  });
})();
