/**
 * Live message thread on the LF Cloud order page.
 *
 * Asks the thread's JSON endpoint for messages newer than the last one shown, every few seconds
 * (the grid's interval), and appends them: the brand and the studio see each other's messages
 * without reloading. Polling pauses while the tab is hidden; the server marks delivered messages
 * read. The next poll starts where the server says (`last`): it holds the cursor below an id that
 * may still commit (a message saved before one with a higher id but committed after it), and
 * sends the messages above it again meanwhile: append() skips those the page already shows. A
 * request still unanswered after a few intervals is given up, and the next tick asks again.
 */
(function () {
  'use strict';

  // How many poll intervals a request may take (its answer included) before it is given up.
  var TIMEOUT_INTERVALS = 3;

  function start(thread) {
    var url = thread.dataset.messagesUrl;
    var last = parseInt(thread.dataset.lastMessage, 10) || 0;
    var seconds = Math.max(parseInt(thread.dataset.pollSeconds, 10) || 5, 1);
    var busy = false;

    function append(message) {
      if (thread.querySelector('[data-message="' + message.id + '"]')) return;
      var empty = thread.querySelector('[data-thread-empty]');
      if (empty) empty.remove();
      var template = document.createElement('template');
      // The server renders each message with Django's escaping, as on the page itself.
      template.innerHTML = message.html.trim();
      thread.appendChild(template.content);
    }

    function poll() {
      if (busy || document.hidden) return;
      busy = true;
      var sep = url.indexOf('?') === -1 ? '?' : '&';
      // A request that never answers (a dropped connection, a stuck proxy) would leave busy set
      // and the page would stop polling for good: give up after a few intervals and try again.
      var controller = new AbortController();
      var timer = window.setTimeout(function () {
        controller.abort();
      }, TIMEOUT_INTERVALS * seconds * 1000);
      fetch(url + sep + 'after=' + last, {
        headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store',
        signal: controller.signal
      })
        .then(function (response) {
          if (!response.ok) throw new Error('thread ' + response.status);
          return response.json();
        })
        .then(function (data) {
          data.messages.forEach(append);
          if (typeof data.last === 'number') last = data.last;
          thread.dataset.lastMessage = String(last);
        })
        .catch(function () { /* try again at the next tick */ })
        .then(function () {
          window.clearTimeout(timer);
          busy = false;
        });
    }

    window.setInterval(poll, seconds * 1000);
    document.addEventListener('visibilitychange', poll);
  }

  function init() {
    document.querySelectorAll('[data-lfcloud-thread]').forEach(start);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
