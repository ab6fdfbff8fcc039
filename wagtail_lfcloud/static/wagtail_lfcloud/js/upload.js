// Upload many files (or a dropped folder), one request per file, each with its own progress bar.
// Each file is posted to the JSON endpoint; a refused file shows why and the rest go on.
// With S3 storage (data-direct-url) the bytes go from the browser straight to the bucket instead
// (views/direct_uploads.py): presigned URLs, parts of large files in parallel, complete, then the
// page polls until the server's checks registered or refused the file. An interrupted multipart
// upload is remembered (localStorage: brand, name, size, last modified -> upload id), so choosing
// the same file again sends only the parts the bucket does not hold yet.
(function () {
  'use strict';
  const PARALLEL = 2; // files at once
  const PART_PARALLEL = 3; // parts of one file at once
  const PART_ATTEMPTS = 3; // tries per part before the upload counts as interrupted
  const STORE = 'lfcloud-direct-upload:';

  const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

  function init(form) {
    const url = form.dataset.fileUrl;
    const directUrl = form.dataset.directUrl || '';
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

    function label(name, fallback) {
      return form.dataset['label' + name] || fallback;
    }

    function say(job, text) {
      job.item.querySelector('[data-message]').textContent = text;
    }

    function send(job) {
      if (directUrl) {
        sendDirect(job);
        return;
      }
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

    // --- straight to S3 ------------------------------------------------------------------

    async function call(method, target, body) {
      const options = {
        method,
        credentials: 'same-origin',
        headers: { 'X-CSRFToken': csrf, 'X-Requested-With': 'XMLHttpRequest', Accept: 'application/json' },
      };
      if (body !== undefined) {
        options.headers['Content-Type'] = 'application/json';
        options.body = JSON.stringify(body);
      }
      const response = await fetch(target, options);
      let data = null;
      try { data = await response.json(); } catch (err) { /* not JSON: an error page */ }
      return { status: response.status, body: data || {} };
    }

    function refusal(answer) {
      return answer.body.error || 'The server could not process this file (HTTP ' + answer.status + ').';
    }

    function storeKey(job) {
      return STORE + [brand.value, job.name, job.file.size, job.file.lastModified].join(':');
    }

    function recall(key) {
      try { return JSON.parse(window.localStorage.getItem(key) || 'null'); } catch (err) { return null; }
    }

    function remember(key, id) {
      try { window.localStorage.setItem(key, JSON.stringify({ id, at: Date.now() })); } catch (err) { /* private mode */ }
    }

    function forget(key) {
      try { window.localStorage.removeItem(key); } catch (err) { /* private mode */ }
    }

    // PUT one blob to a presigned URL; resolves with S3's ETag (exposed by the bucket's CORS rule).
    function put(target, blob, headers, progress) {
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('PUT', target);
        Object.entries(headers || {}).forEach(([name, value]) => xhr.setRequestHeader(name, value));
        xhr.upload.addEventListener('progress', (e) => progress(e.loaded));
        xhr.addEventListener('load', () => {
          if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader('ETag'));
          else reject(new Error('The storage answered HTTP ' + xhr.status + '.'));
        });
        xhr.addEventListener('error', () => reject(new Error('network')));
        xhr.addEventListener('abort', () => reject(new Error('network')));
        xhr.send(blob);
      });
    }

    async function putWithRetry(target, blob, headers, progress) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await put(target, blob, headers, progress);
        } catch (err) {
          progress(0);
          if (attempt >= PART_ATTEMPTS) throw err;
          await sleep(1000 * attempt);
        }
      }
    }

    // Send the file's bytes as the plan says; resolves with the parts' numbers and ETags.
    async function sendBytes(job, plan) {
      const file = job.file;
      const total = file.size || 1;
      const sending = {}; // part number -> bytes sent so far
      let held = 0; // bytes the bucket already holds (earlier attempt, or parts finished now)
      const show = () => {
        const sent = held + Object.values(sending).reduce((a, b) => a + b, 0);
        setProgress(job, Math.min(100, Math.floor((sent * 100) / total)));
      };
      if (!plan.part_size) {
        await putWithRetry(plan.url, file, plan.headers, (n) => { sending[1] = n; show(); });
        return [];
      }
      const size = plan.part_size;
      const length = (n) => Math.min(size, file.size - (n - 1) * size);
      const etags = {};
      (plan.uploaded || []).forEach((p) => { etags[p.number] = p.etag; held += length(p.number); });
      show();
      const queue = plan.parts.slice();
      let failure = null;
      async function worker() {
        while (queue.length && !failure) {
          const part = queue.shift();
          const start = (part.number - 1) * size;
          const blob = file.slice(start, start + length(part.number));
          try {
            const etag = await putWithRetry(part.url, blob, {}, (n) => { sending[part.number] = n; show(); });
            if (!etag) throw new Error(label('NoEtag', 'The bucket does not expose the ETag header to this page (see its CORS rule).'));
            etags[part.number] = etag;
            delete sending[part.number];
            held += blob.size;
            show();
          } catch (err) {
            failure = failure || err;
            delete sending[part.number];
            show();
          }
        }
      }
      // Parts already on their way finish (and count for a later resume) before a failure shows.
      await Promise.all(Array.from({ length: Math.min(PART_PARALLEL, queue.length) }, worker));
      if (failure) throw failure;
      return Object.keys(etags).map(Number).sort((a, b) => a - b).map((n) => ({ number: n, etag: etags[n] }));
    }

    async function sendDirect(job) {
      const key = storeKey(job);
      let plan = null;
      let resumable = false;
      try {
        say(job, label('Preparing', 'Preparing…'));
        const saved = recall(key);
        if (saved && saved.id) {
          const resumed = await call('GET', directUrl + saved.id + '/resume/');
          if (resumed.status === 200 && resumed.body.ok && resumed.body.status === 'started') {
            plan = resumed.body;
            const done = (plan.uploaded || []).length;
            say(job, label('Resuming', 'Continuing where it stopped:') + ' ' + done + ' / ' + (done + plan.parts.length));
          } else {
            forget(key);
          }
        }
        if (!plan) {
          const started = await call('POST', directUrl, {
            brand: brand.value, filename: job.name, size: job.file.size, content_type: job.file.type || '',
          });
          if (started.status !== 201) {
            finish(job, 'refused', refusal(started));
            return;
          }
          plan = started.body;
          if (plan.parts.length) remember(key, plan.id);
          say(job, label('Sending', 'Uploading…'));
        }
        job.item.dataset.lfcloudUploadId = String(plan.id);
        resumable = plan.parts.length > 0 || (plan.uploaded || []).length > 0;
        const parts = await sendBytes(job, plan);
        say(job, label('Checking', 'Checking…'));
        const completed = await call('POST', directUrl + plan.id + '/complete/', { parts });
        if (completed.status !== 202) {
          finish(job, 'refused', refusal(completed));
          return;
        }
        forget(key);
        let state = completed.body;
        for (let wait = 500; state.status === 'uploaded' || state.status === 'started'; wait = Math.min(wait * 1.5, 5000)) {
          await sleep(wait);
          const polled = await call('GET', directUrl + plan.id + '/');
          if (polled.status !== 200) throw new Error(refusal(polled));
          state = polled.body;
        }
        if (state.ok) {
          const outcome = ['success', 'warning', 'failure'].includes(state.outcome) ? state.outcome : 'success';
          finish(job, outcome, state.message, state.review_url);
        } else {
          finish(job, 'refused', state.error);
        }
      } catch (err) {
        const why = err.message === 'network' || err instanceof TypeError
          ? label('Interrupted', 'The upload was interrupted (network error).') : err.message;
        const again = resumable
          ? label('Resume', 'Choose the same file again to continue where it stopped.')
          : label('Again', 'Choose the file again to send it again.');
        finish(job, 'refused', why + ' ' + again);
      }
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
