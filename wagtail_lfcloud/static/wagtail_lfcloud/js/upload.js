// Upload many files (or a dropped folder), one request per file, each with its own progress bar.
// Each file is posted to the JSON endpoint; a refused file shows why and the rest go on.
(function () {
  'use strict';
  const PARALLEL = 2;

  function init(form) {
    const url = form.dataset.fileUrl;
    const list = document.querySelector('[data-lfcloud-upload-list]');
    const template = document.querySelector('[data-lfcloud-item-template]');
    const csrf = form.querySelector('input[name=csrfmiddlewaretoken]').value;
    const brand = form.querySelector('select[name=brand]');
    const queue = [];
    let running = 0;

    function add(file, name) {
      if (file.name.startsWith('.')) return; // .DS_Store and friends inside dropped folders
      const item = template.content.firstElementChild.cloneNode(true);
      item.querySelector('[data-name]').textContent = name || file.name;
      list.appendChild(item);
      queue.push({ file, name: name || file.name, item });
      pump();
    }

    function pump() {
      while (running < PARALLEL && queue.length) {
        running += 1;
        send(queue.shift());
      }
    }

    // outcome: success | warning | failure (stored, sent back) | refused (nothing stored).
    function finish(job, outcome, text, link) {
      const message = job.item.querySelector('[data-message]');
      job.item.classList.add('is-' + outcome);
      job.item.dataset.lfcloudResult = outcome === 'refused' ? 'refused' : 'ok';
      job.item.dataset.lfcloudOutcome = outcome;
      setProgress(job, 100);
      message.textContent = '';
      const label = document.createElement('span');
      label.className = 'lfcloud-outcome';
      label.textContent = form.dataset['label' + outcome.charAt(0).toUpperCase() + outcome.slice(1)] || '';
      message.appendChild(label);
      message.appendChild(document.createTextNode(' ' + text));
      if (link) {
        const a = document.createElement('a');
        a.href = link;
        a.textContent = ' ' + (form.dataset.reviewLabel || 'Review');
        message.appendChild(a);
      }
      running -= 1;
      pump();
    }

    function setProgress(job, percent) {
      const bar = job.item.querySelector('[data-progress]');
      bar.setAttribute('aria-valuenow', String(percent));
      bar.querySelector('[data-progress-bar]').style.width = percent + '%';
    }

    function send(job) {
      const data = new FormData();
      data.append('brand', brand.value);
      data.append('file', job.file);
      data.append('filename', job.name);
      const xhr = new XMLHttpRequest();
      job.item.querySelector('[data-message]').textContent = 'Uploading…';
      xhr.upload.addEventListener('progress', (e) => {
        // The bytes sent, not the outcome: the bar takes the outcome's colour when the answer comes.
        if (e.lengthComputable) setProgress(job, Math.round((e.loaded / e.total) * 100));
      });
      xhr.addEventListener('load', () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { /* not JSON: server error page */ }
        if (body && body.ok) {
          const outcome = ['success', 'warning', 'failure'].includes(body.outcome) ? body.outcome : 'success';
          finish(job, outcome, body.message, body.review_url);
        } else {
          finish(job, 'refused', body ? body.error : 'The server could not process this file (HTTP ' + xhr.status + ').');
        }
      });
      xhr.addEventListener('error', () => finish(job, 'refused', 'The upload was interrupted (network error).'));
      xhr.open('POST', url);
      xhr.setRequestHeader('X-CSRFToken', csrf);
      xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
      xhr.send(data);
    }

    function walk(entry, path) {
      // Recurse into dropped folders (webkitGetAsEntry API).
      if (entry.isFile) {
        entry.file((file) => add(file, file.name));
      } else if (entry.isDirectory) {
        const reader = entry.createReader();
        const read = () => reader.readEntries((entries) => {
          if (!entries.length) return;
          entries.forEach((child) => walk(child, path + entry.name + '/'));
          read();
        });
        read();
      }
    }

    form.querySelector('[data-lfcloud-files]').addEventListener('change', (e) => {
      Array.from(e.target.files).forEach((f) => add(f));
      e.target.value = '';
    });
    form.querySelector('[data-lfcloud-folder]').addEventListener('change', (e) => {
      Array.from(e.target.files).forEach((f) => add(f, f.name));
      e.target.value = '';
    });
    const zone = form.querySelector('[data-lfcloud-dropzone]');
    ['dragenter', 'dragover'].forEach((type) => zone.addEventListener(type, (e) => {
      e.preventDefault();
      zone.classList.add('is-hovered');
    }));
    ['dragleave', 'drop'].forEach((type) => zone.addEventListener(type, () => zone.classList.remove('is-hovered')));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      const items = Array.from(e.dataTransfer.items || []);
      if (items.length && items[0].webkitGetAsEntry) {
        items.map((i) => i.webkitGetAsEntry()).filter(Boolean).forEach((entry) => walk(entry, ''));
      } else {
        Array.from(e.dataTransfer.files).forEach((f) => add(f));
      }
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('[data-lfcloud-upload]').forEach(init);
  });
})();
