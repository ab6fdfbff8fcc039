/**
 * Live SKU x angle grid on the LF Cloud order page.
 *
 * Polls the grid's JSON endpoint every few seconds with If-None-Match; a 304 costs nothing,
 * a 200 updates only the cells (and totals) that changed. No page reload, no framework.
 * Polling pauses while the tab is hidden; a request still unanswered after a few intervals is
 * given up, and the next tick asks again.
 */
(function () {
  'use strict';

  // How many poll intervals a request may take (its answer included) before it is given up.
  var TIMEOUT_INTERVALS = 3;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderCell(td, cell) {
    td.className = 'lfcloud-cell lfcloud-cell--' + cell.state + (cell.overdue ? ' lfcloud-cell--overdue' : '');
    td.textContent = '';
    if (cell.thumbnail) {
      var img = el('img', 'lfcloud-cell__thumb');
      img.src = cell.thumbnail;
      img.alt = '';
      img.width = 80;
      td.appendChild(img);
    } else {
      var placeholder = el('span', 'lfcloud-cell__nothumb');
      placeholder.setAttribute('aria-hidden', 'true');
      td.appendChild(placeholder);
    }
    if (cell.video) {
      var kind = el('span', 'lfcloud-cell__kind', td.closest('table').dataset.videoLabel || 'Video');
      kind.dataset.kind = 'video';
      td.appendChild(kind);
    }
    var state = el('span', 'lfcloud-cell__state');
    state.dataset.state = cell.state;
    var label = cell.label + (cell.version ? ' \u00b7 v' + cell.version : '');
    if (cell.url) {
      var link = el('a', null, label);
      link.href = cell.url;
      state.appendChild(link);
    } else {
      state.textContent = label;
    }
    td.appendChild(state);
    if (cell.channels && cell.channels.length) {
      var chips = el('span', 'lfcloud-cell__channels');
      cell.channels.forEach(function (channel) {
        var chip = el('span', 'lfcloud-chip' + (channel.ready ? ' lfcloud-chip--ready' : ''), channel.key);
        chip.title = channel.ready ? 'Ready' : 'Not ready';
        chips.appendChild(chip);
      });
      td.appendChild(chips);
    }
  }

  function applyGrid(table, grid) {
    var seen = table.__lfcloudCells || (table.__lfcloudCells = {});
    grid.rows.forEach(function (row) {
      row.cells.forEach(function (cell) {
        if (!cell) return;
        var key = row.product + ':' + cell.angle;
        var serialised = JSON.stringify(cell);
        if (seen[key] === serialised) return;
        seen[key] = serialised;
        var td = table.querySelector('[data-cell="' + key + '"]');
        if (td) renderCell(td, cell);
      });
    });
    var totals = document.querySelector('[data-grid-totals]');
    if (totals) {
      Object.keys(grid.totals).forEach(function (name) {
        var node = totals.querySelector('[data-total="' + name + '"]');
        if (node) node.textContent = grid.totals[name] + (name === 'percent_approved' ? '%' : '');
      });
      var bar = totals.querySelector('[data-total-bar]');
      if (bar) bar.value = grid.totals.percent_approved;
    }
    var status = document.querySelector('[data-order-status]');
    if (status && grid.order && status.dataset.orderStatus !== grid.order.status) {
      // Someone else moved the order: the buttons on this page are for the old status.
      status.textContent = grid.order.status_label;
      status.dataset.orderStatus = grid.order.status;
      var actions = document.querySelector('[data-order-actions]');
      if (actions) {
        actions.querySelectorAll('form').forEach(function (form) { form.remove(); });
        if (!actions.querySelector('[data-status-changed]')) {
          var link = el('a', 'button button-small button-secondary', actions.dataset.reloadLabel || 'Reload');
          link.href = window.location.pathname;
          link.dataset.statusChanged = '';
          actions.insertBefore(link, actions.firstChild);
        }
      }
    }
  }

  function start(table) {
    var url = table.dataset.gridUrl;
    var etag = table.dataset.etag || '';
    var seconds = Math.max(parseInt(table.dataset.pollSeconds, 10) || 5, 1);
    var busy = false;

    function poll() {
      if (busy || document.hidden) return;
      busy = true;
      var headers = { Accept: 'application/json' };
      if (etag) headers['If-None-Match'] = etag;
      // A request that never answers (a dropped connection, a stuck proxy) would leave busy set
      // and the page would stop polling for good: give up after a few intervals and try again.
      var controller = new AbortController();
      var timer = window.setTimeout(function () {
        controller.abort();
      }, TIMEOUT_INTERVALS * seconds * 1000);
      fetch(url, {
        headers: headers, credentials: 'same-origin', cache: 'no-store', signal: controller.signal
      })
        .then(function (response) {
          if (response.status === 304) return null;
          if (!response.ok) throw new Error('grid ' + response.status);
          etag = response.headers.get('ETag') || '';
          return response.json();
        })
        .then(function (grid) {
          if (grid) applyGrid(table, grid);
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
    document.querySelectorAll('[data-order-grid]').forEach(start);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
