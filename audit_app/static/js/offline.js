/* Offline work for auditors: the durable outbox, prepared audits, and the service worker.

   The outbox (IndexedDB "aiz-offline", store "outbox") holds every checklist save and every
   file chosen while offline, per signed-in user, until the server confirmed it:
     {id, user, audit, code, kind: "save"|"upload", url, fields: [[name, value]...],
      base: <the card's version the change rests on>, file, filename, size,
      status: "pending"|"sending"|"conflict"|"invalid"|"refused", card: <conflict HTML>}
   Entries are sent one after another in the order they were made, only by a page of the
   same user (never under another user's session), whenever the browser is online: on page
   load, on the "online" event and every 15 s while any are waiting. A refused save stays
   (conflict: with the server's card showing both values; invalid: with the messages) until
   the auditor resolves it on the card. The store "cards" remembers each card's last
   confirmed version and fields, so a checklist opened from the offline copy shows them.

   Prepared audits: the audit page's "prepare for offline use" and every checklist opened
   online put the audit's pages into the cache "aiz-offline-u<user>-a<audit>" that the
   service worker (/sw.js) answers from when the network fails. Submitting the audit or
   signing out (after asking about anything still waiting) clears them.

   Pages talk to this file through window.AizOffline and "aiz:outbox" events. */
(function () {
  "use strict";

  var body = document.body;
  var user = body ? body.getAttribute("data-user") : null;
  var DB_NAME = "aiz-offline";
  var FLUSH_EVERY_MS = 15000;
  var MAX_FILE_BYTES = Number((body && body.getAttribute("data-offline-max-file")) || 20971520);
  var MAX_TOTAL_BYTES = Number((body && body.getAttribute("data-offline-max-total")) || 104857600);
  var dbPromise = null;
  var flushing = false;
  var again = false;

  var available = !!(user && window.indexedDB && window.Promise && window.fetch);

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = window.indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains("outbox")) {
            var outbox = db.createObjectStore("outbox", {keyPath: "id", autoIncrement: true});
            outbox.createIndex("user", "user");
          }
          if (!db.objectStoreNames.contains("cards")) {
            db.createObjectStore("cards", {keyPath: "key"});
          }
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function run(storeName, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var store = tx.objectStore(storeName);
        var result;
        Promise.resolve(work(store, function (value) { result = value; })).catch(reject);
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function requestValue(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function entries() {
    // This user's entries, oldest first.
    return run("outbox", "readonly", function (store, done) {
      return requestValue(store.index("user").getAll(user)).then(function (rows) {
        done(rows.sort(function (a, b) { return a.id - b.id; }));
      });
    });
  }

  function update(entry) {
    return run("outbox", "readwrite", function (store) { store.put(entry); });
  }

  function remove(id) {
    return run("outbox", "readwrite", function (store) { store.delete(id); });
  }

  function emit(type, detail) {
    document.dispatchEvent(new CustomEvent("aiz:outbox", {detail: Object.assign({type: type}, detail)}));
    if (type === "idle" || type === "waiting" || type === "queued") { count(); }
  }

  function count() {
    // The number of this user's waiting entries on <body data-outbox="n"> (tests and styles
    // read it; "0" once everything reached the server).
    return entries().then(function (rows) {
      body.setAttribute("data-outbox", String(rows.length));
      return rows.length;
    }, function () { return 0; });
  }

  function put(change) {
    return putEntry(change).then(function (entry) { emit("queued", {entry: entry}); return entry; });
  }

  function putEntry(change) {
    // A save merges into the card's waiting entry (latest input wins, the base version it
    // rests on stays); an upload is always an entry of its own.
    change.user = user;
    return run("outbox", "readwrite", function (store, done) {
      return requestValue(store.index("user").getAll(user)).then(function (rows) {
        var waiting = change.kind === "save" && rows.filter(function (row) {
          return row.kind === "save" && row.audit === change.audit && row.code === change.code
            && row.status !== "sending";
        })[0];
        if (waiting) {
          waiting.fields = change.fields;
          waiting.url = change.url;
          if (change.base !== undefined && (waiting.status === "conflict" || waiting.status === "invalid")) {
            waiting.base = change.base;  // the auditor chose on the card: rest on what it shows now
          }
          waiting.status = "pending";
          delete waiting.card;
          delete waiting.errors;
          store.put(waiting);
          done(waiting);
        } else {
          change.status = "pending";
          change.created = Date.now();
          requestValue(store.add(change)).then(function (id) { change.id = id; done(change); });
        }
      });
    });
  }

  function discard(audit, code) {
    return entries().then(function (rows) {
      return Promise.all(rows.filter(function (row) {
        return String(row.audit) === String(audit) && row.code === code && row.kind === "save";
      }).map(function (row) { return remove(row.id); }));
    }).then(count);
  }

  function remember(audit, code, version, fields) {
    return run("cards", "readwrite", function (store) {
      store.put({key: [user, audit, code].join("|"), user: user, audit: audit, code: code,
                 version: version, fields: fields, at: Date.now()});
    });
  }

  function known(audit) {
    return run("cards", "readonly", function (store, done) {
      return requestValue(store.getAll()).then(function (rows) {
        done(rows.filter(function (row) { return row.user === user && row.audit === audit; }));
      });
    });
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function send(entry) {
    var data = new FormData();
    data.append("csrf_token", csrfToken());
    var headers = {"X-Requested-With": "fetch"};
    if (entry.kind === "save") {
      entry.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
      data.append("version", String(entry.base));
      headers.Accept = "application/json";
    } else {
      (entry.fields || []).forEach(function (pair) { data.append(pair[0], pair[1]); });
      data.append("file", entry.file, entry.filename);
      headers["HX-Request"] = "true";
    }
    return fetch(entry.url, {method: "POST", body: data, credentials: "same-origin", headers: headers});
  }

  function rebase(done, newVersion) {
    // Later waiting changes of the same card rest on the change just confirmed, not on
    // someone else's: move their base on, so our own saves never conflict with each other.
    return entries().then(function (rows) {
      return Promise.all(rows.filter(function (row) {
        return row.kind === "save" && row.audit === done.audit && row.code === done.code
          && row.id !== done.id && String(row.base) === String(done.base);
      }).map(function (row) { row.base = newVersion; return update(row); }));
    });
  }

  function handle(entry, response) {
    var type = response.headers.get("Content-Type") || "";
    if (response.redirected) {
      entry.status = "pending";
      return update(entry).then(function () { emit("signed-out", {entry: entry}); return false; });
    }
    if (entry.kind === "upload") {
      return response.text().then(function (html) {
        if (response.ok) {
          return remove(entry.id).then(function () { emit("uploaded", {entry: entry, html: html}); return true; });
        }
        if (response.status === 422 || response.status === 413 || response.status === 403) {
          return remove(entry.id).then(function () {
            emit("upload-refused", {entry: entry, html: response.status === 422 ? html : "",
                                    status: response.status});
            return true;
          });
        }
        entry.status = "pending";
        return update(entry).then(function () { emit("offline", {entry: entry}); return false; });
      });
    }
    if (type.indexOf("application/json") === -1) {
      entry.status = "pending";
      return update(entry).then(function () { emit("offline", {entry: entry}); return false; });
    }
    return response.json().then(function (body) {
      if (response.status === 200) {
        // Remember first, then drop the entry: a page left in between shows the saved state
        // or sends the entry again (the server answers an identical resend as saved).
        return remember(entry.audit, entry.code, body.version, entry.fields)
          .then(function () { return rebase(entry, body.version); })
          .then(function () { return remove(entry.id); })
          .then(function () { emit("sent", {entry: entry, body: body}); return true; });
      }
      if (response.status === 409) {
        entry.status = "conflict";
        entry.card = body.card;
        return update(entry).then(function () { emit("conflict", {entry: entry, body: body}); return true; });
      }
      if (response.status === 422) {
        entry.status = "invalid";
        entry.errors = body.errors || {};
        return update(entry).then(function () { emit("invalid", {entry: entry, body: body}); return true; });
      }
      if (response.status === 400) {
        // The page's form token belongs to an ended session (an offline copy opened after
        // signing in again): wait for a fresh page of this user to send it.
        entry.status = "pending";
        return update(entry).then(function () { emit("signed-out", {entry: entry}); return false; });
      }
      if (response.status === 403 || response.status === 404) {
        entry.status = "refused";
        return update(entry).then(function () { emit("refused", {entry: entry}); return true; });
      }
      entry.status = "pending";
      return update(entry).then(function () { emit("offline", {entry: entry}); return false; });
    });
  }

  function flush() {
    if (!available) { return Promise.resolve(); }
    if (flushing) { again = true; return Promise.resolve(); }
    if (!navigator.onLine) { emit("waiting", {}); return Promise.resolve(); }
    flushing = true;
    again = false;
    return entries().then(function (rows) {
      var queue = rows.filter(function (row) { return row.status === "pending" || row.status === "sending"; });
      function next() {
        var entry = queue.shift();
        if (!entry) { return Promise.resolve(); }
        entry.status = "sending";
        return update(entry).then(function () {
          emit("sending", {entry: entry});
          return send(entry);
        }).then(function (response) {
          return handle(entry, response);
        }, function () {
          entry.status = "pending";
          return update(entry).then(function () { emit("offline", {entry: entry}); return false; });
        }).then(function (goOn) { return goOn ? next() : undefined; });
      }
      return next();
    }).catch(function () { /* the database failed: nothing to send from here */ })
      .then(function () {
        flushing = false;
        emit("idle", {});
        if (again) { return flush(); }
        return undefined;
      });
  }

  function waitingCount() {
    return entries().then(function (rows) { return rows.length; }, function () { return 0; });
  }

  // --- prepared audits (cache storage, answered by the service worker) ------------------

  function cacheName(audit) { return "aiz-offline-u" + user + "-a" + audit; }

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !user) { return Promise.resolve(null); }
    return navigator.serviceWorker.register("/sw.js", {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).catch(function () { return null; });
  }

  function prepare(audit, urls) {
    if (!window.caches || !("serviceWorker" in navigator)) {
      return Promise.reject(new Error("unsupported"));
    }
    return registerWorker().then(function () {
      return caches.open(cacheName(audit));
    }).then(function (cache) {
      return cache.addAll(urls);
    }).then(function () {
      var prepared = preparedAudits();
      prepared[audit] = Date.now();
      window.localStorage.setItem("aiz:prepared:" + user, JSON.stringify(prepared));
      return prepared[audit];
    });
  }

  function preparedAudits() {
    try { return JSON.parse(window.localStorage.getItem("aiz:prepared:" + user) || "{}") || {}; }
    catch (e) { return {}; }
  }

  function forget(audit) {
    var prepared = preparedAudits();
    delete prepared[audit];
    try { window.localStorage.setItem("aiz:prepared:" + user, JSON.stringify(prepared)); } catch (e) { /* full */ }
    return window.caches ? caches.delete(cacheName(audit)) : Promise.resolve(false);
  }

  function forgetAll() {
    try { window.localStorage.removeItem("aiz:prepared:" + user); } catch (e) { /* ignore */ }
    if (!window.caches) { return Promise.resolve(); }
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("aiz-offline-u" + user + "-") === 0; })
        .map(function (n) { return caches.delete(n); }));
    });
  }

  function outboxBytes() {
    return entries().then(function (rows) {
      return rows.reduce(function (sum, row) { return sum + (row.size || 0); }, 0);
    });
  }

  window.AizOffline = {
    available: available, user: user, put: put, flush: flush, entries: entries, discard: discard,
    remember: remember, known: known, prepare: prepare, forget: forget, preparedAudits: preparedAudits,
    outboxBytes: outboxBytes, maxFileBytes: MAX_FILE_BYTES, maxTotalBytes: MAX_TOTAL_BYTES,
    waitingCount: waitingCount
  };

  if (!user) { return; }
  registerWorker();
  if (available) {
    count();
    flush();
    window.addEventListener("online", function () { flush(); });
    window.setInterval(function () {
      if (navigator.onLine) {
        entries().then(function (rows) {
          if (rows.some(function (row) { return row.status === "pending"; })) { flush(); }
        }, function () { /* ignore */ });
      }
    }, FLUSH_EVERY_MS);
  }

  // --- the audit page: prepare, and forget an audit that can no longer be edited --------

  document.querySelectorAll("[data-offline-clear]").forEach(function (el) {
    forget(el.getAttribute("data-offline-clear"));
  });
  document.querySelectorAll("[data-offline-prepare]").forEach(function (button) {
    var audit = button.getAttribute("data-audit");
    var state = document.querySelector("[data-offline-state]");
    var urls = JSON.parse(button.getAttribute("data-urls") || "[]");
    function say(kind, time) {
      if (!state) { return; }
      var text = state.getAttribute("data-text-" + kind) || "";
      state.textContent = time ? text.replace("{time}", time) : text;
    }
    function clock(ms) {
      var d = new Date(ms);
      return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
    }
    if (!window.caches || !("serviceWorker" in navigator) || !available) {
      button.disabled = true;
      say("unsupported");
      return;
    }
    var since = preparedAudits()[audit];
    if (since) { say("ready", clock(since)); }
    button.addEventListener("click", function () {
      button.disabled = true;
      say("working");
      prepare(audit, urls).then(function (at) {
        say("ready", clock(at));
      }, function () {
        say("failed");
      }).then(function () { button.disabled = false; });
    });
  });

  // --- workflow steps wait for the outbox: nothing is submitted before it arrived -------

  document.querySelectorAll("form[data-outbox-first]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!available || form.hasAttribute("data-ready")) { return; }
      event.preventDefault();
      var audit = form.getAttribute("data-outbox-first");
      flush().then(entries).then(function (rows) {
        var waiting = rows.filter(function (row) { return String(row.audit) === String(audit); });
        if (waiting.length) {
          window.alert(form.getAttribute("data-outbox-waiting") || "");
          return;
        }
        form.setAttribute("data-ready", "1");
        if (form.requestSubmit && event.submitter) { form.requestSubmit(event.submitter); } else { form.submit(); }
      }, function () {
        form.setAttribute("data-ready", "1");
        form.submit();
      });
    });
  });

  // --- signing out: ask about anything still waiting; clear the offline copies --------

  var dialog = document.getElementById("signout-dialog");
  document.querySelectorAll("form[data-signout]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-ready")) { return; }
      event.preventDefault();
      waitingCount().then(function (count) {
        if (!count || !dialog || typeof dialog.showModal !== "function") {
          return forgetAll().then(function () { form.setAttribute("data-ready", "1"); form.submit(); });
        }
        dialog.querySelector("[data-count]").textContent = String(count);
        dialog.showModal();
        return undefined;
      });
    });
  });
  if (dialog) {
    dialog.addEventListener("close", function () {
      var form = document.querySelector("form[data-signout]");
      if (!form) { return; }
      if (dialog.returnValue === "keep") {
        form.setAttribute("data-ready", "1");
        form.submit();
      } else if (dialog.returnValue === "discard") {
        entries().then(function (rows) {
          return Promise.all(rows.map(function (row) { return remove(row.id); }));
        }).then(forgetAll).then(function () { form.setAttribute("data-ready", "1"); form.submit(); });
      }
    });
  }
})();
