/* The checklist on a tablet: every card saves itself, shows its state, and nothing typed is
   lost.

   - Choices (rating, N/A, severity) save at once; text saves after a pause and when the
     field is left. One request per card at a time; changes made meanwhile follow it.
   - The card keeps what is being typed: a save updates the version, the state and the
     summary, never the fields. Only a conflict replaces the card, to show both values;
     such a card waits for the auditor's choice (no autosave until then).
   - No connection or a server error: the card says "offline – will retry" and retries with
     a growing pause and as soon as the browser is online again.
   - Leaving the page while anything is unsaved asks first.
   - N/A switches the scale off and shows its reason; a chosen file uploads at once;
     categories fold and remember it; "next open criterion" goes to the next unanswered card
     below the current position.
   Without JavaScript every form still works by its button. */
(function () {
  "use strict";

  var root = document.querySelector("[data-checklist]");
  if (!root) { return; }
  var auditId = root.getAttribute("data-audit");
  var TEXT_DELAY_MS = 1200;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 30000;
  var cards = {};  // code -> state object

  function text(kind, time) {
    var value = root.getAttribute("data-text-" + kind) || kind;
    return time ? value.replace("{time}", time) : value;
  }

  // --- one card's save loop ------------------------------------------------------------------

  function cardState(form) {
    var code = form.getAttribute("data-code");
    var state = cards[code];
    if (!state || state.form !== form) {
      state = cards[code] = {code: code, form: form, dirty: false, inFlight: false,
                             timer: null, retry: RETRY_MIN_MS, status: "clean"};
    }
    return state;
  }

  function setStatus(state, status, label) {
    state.status = status;
    var card = state.form.closest(".card");
    var box = card ? card.querySelector(".save-state") : null;
    if (card) {
      card.classList.remove("card-unsaved", "card-saving", "card-offline", "card-queued", "card-invalid");
      if (status !== "saved" && status !== "clean") { card.classList.add("card-" + status); }
    }
    if (!box) { connectionNotice(); return; }
    var span = document.createElement("span");
    span.className = status === "saved" ? "ok" : (status === "invalid" || status === "failed"
      || status === "forbidden" || status === "signed-out") ? "bad" : "pending";
    span.textContent = label;
    box.replaceChildren(span);
    connectionNotice();
  }

  function connectionNotice() {
    // While any card waits for the connection: a line in the sticky progress bar (the page
    // notice would cover the bar), or the page notice where there is no bar.
    var waiting = Object.keys(cards).filter(function (code) {
      var status = cards[code].status;
      return status === "offline" || status === "queued";
    }).length;
    var bar = document.getElementById("progress");
    var box = document.getElementById("connection-status");
    if (bar) {
      var line = bar.querySelector(".progress-offline");
      if (!line) {
        line = document.createElement("p");
        line.className = "progress-offline";
        line.setAttribute("role", "status");
        bar.appendChild(line);
      }
      line.textContent = waiting ? text("connection") : "";
      line.hidden = !waiting;
      if (box && box.textContent === text("connection")) { box.hidden = true; box.textContent = ""; }
      return;
    }
    if (!box) { return; }
    if (waiting) {
      box.textContent = text("connection");
      box.hidden = false;
    } else if (box.textContent === text("connection")) {
      box.hidden = true;
      box.textContent = "";
    }
  }

  function pending() {
    // Unsaved input that exists only on this page. A change in the outbox ("queued") is
    // stored on the device and survives leaving; without an outbox every wait counts.
    var durable = !!outbox();
    return Object.keys(cards).some(function (code) {
      var s = cards[code];
      return s.dirty || s.status === "invalid" || (!durable && (s.inFlight || s.status === "offline"
        || s.status === "failed" || s.status === "signed-out"));
    });
  }

  function markDirty(state, delay) {
    state.dirty = true;
    setStatus(state, "unsaved", text("unsaved"));
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { save(state); }, delay);
  }

  function retryLater(state, kind) {
    setStatus(state, kind, text(kind));
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { save(state); }, state.retry);
    state.retry = Math.min(state.retry * 2, RETRY_MAX_MS);
  }

  function showErrors(state, errors) {
    var form = state.form;
    var list = form.querySelector(".error-summary");
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    if (!list) { return; }
    list.replaceChildren();
    Object.keys(errors || {}).forEach(function (field) {
      var li = document.createElement("li");
      li.setAttribute("data-field", field);
      li.textContent = errors[field];
      list.appendChild(li);
      var input = form.querySelector("[name='" + field + "']");
      if (input) { input.setAttribute("aria-invalid", "true"); }
    });
    list.hidden = !list.children.length;
  }

  function copyInput(from, to) {
    // What the auditor typed after the request left must survive the new card.
    from.querySelectorAll("textarea[name], input[name], select[name]").forEach(function (el) {
      if (el.type === "hidden" || el.type === "file") { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        var twin = to.querySelector("input[name='" + el.name + "'][value='" + el.value + "']");
        if (twin) { twin.checked = el.checked; }
      } else {
        var same = to.querySelector("[name='" + el.name + "']");
        if (same) { same.value = el.value; }
      }
    });
  }

  function replaceCard(state, html, keepInput) {
    var card = state.form.closest(".card");
    var focused = document.activeElement && card.contains(document.activeElement)
      ? document.activeElement.id : null;
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.firstElementChild;
    var freshForm = fresh.querySelector("form.card-form");
    if (keepInput && freshForm) { copyInput(state.form, freshForm); }
    card.replaceWith(fresh);
    fresh.setAttribute("data-wired", "1");
    delete cards[state.code];
    if (window.htmx) { window.htmx.process(fresh); }
    wireCard(fresh);
    var target = (focused && document.getElementById(focused)) || fresh;
    target.focus({preventScroll: true});
  }

  function swapFragment(id, html) {
    var current = document.getElementById(id);
    if (!current || !html) { return; }
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.querySelector("#" + id);
    if (fresh) { current.replaceWith(fresh); }
  }

  function applyNa(form) {
    var box = form.querySelector("input[name=not_applicable]");
    var na = !!(box && box.checked);
    form.querySelectorAll("input[name=points], input[name=value]").forEach(function (input) {
      input.disabled = na;
    });
    var scale = form.querySelector(".scale");
    if (scale) { scale.classList.toggle("scale-off", na); }
  }

  // --- the durable path: every save goes through the outbox (static/js/offline.js) -------

  function outbox() {
    return window.AizOffline && window.AizOffline.available ? window.AizOffline : null;
  }

  function fieldsOf(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "version" && typeof value === "string") {
        fields.push([name, value]);
      }
    });
    return fields;
  }

  function applyFields(form, fields) {
    // Show a stored change on the card: every choice and text as it was typed.
    var has = function (name, value) {
      return fields.some(function (pair) { return pair[0] === name && (value === undefined || pair[1] === value); });
    };
    form.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (el) {
      if (el.type === "hidden" || el.type === "file") { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = has(el.name, el.value);
      } else {
        var pair = fields.filter(function (p) { return p[0] === el.name; })[0];
        el.value = pair ? pair[1] : "";
      }
    });
    applyNa(form);
  }

  function save(state) {
    clearTimeout(state.timer);
    var box = outbox();
    if (!box) { saveDirect(state); return; }
    var form = state.form;
    if (!form.isConnected || form.getAttribute("data-autosave") === "off") { return; }
    state.dirty = false;
    var version = form.querySelector("input[name=version]");
    setStatus(state, navigator.onLine ? "saving" : "queued", text(navigator.onLine ? "saving" : "queued"));
    box.put({kind: "save", audit: auditId, code: state.code, url: form.action,
             fields: fieldsOf(form), base: version ? version.value : ""})
      .then(function () { return box.flush(); })
      .catch(function () { saveDirect(state); });  // no database in this browser (private mode)
  }

  function cardFor(code) {
    var form = document.querySelector("#crit-" + code + " form.card-form");
    return form ? cardState(form) : null;
  }

  function applySaved(state, body) {
    var form = state.form;
    var version = form.querySelector("input[name=version]");
    if (version) { version.value = String(body.version); }
    showErrors(state, {});
    var card = form.closest(".card");
    if (card) {
      card.classList.toggle("card-answered", !!body.answered);
      card.classList.toggle("card-open", !body.answered);
    }
    swapFragment("summary", body.summary);
    swapFragment("progress", body.progress);
    centreSide(state, body);
    connectionNotice();
    if (body.category) {
      var count = document.querySelector("#cat-" + body.category.code + " [data-category-count]");
      if (count) { count.textContent = body.category.text; }
    }
  }

  function centreSide(state, body) {
    // What the centre reported: now confirmed or corrected (its "confirm" button has done its job).
    swapFragment("side-" + state.code, body.side);
    var confirm = state.form.querySelector(".prefill-confirm");
    if (confirm && body.answered) { confirm.closest(".prefill").hidden = true; }
  }

  function refreshCard(state) {
    // After a conflict was resolved: the stored card as it is now.
    fetch(state.form.action + "/card", {credentials: "same-origin", headers: {"HX-Request": "true"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("article.card");
        if (fresh) { replaceCard(state, fresh.outerHTML, false); }
      }, function () { /* stays as it is */ });
  }

  function pendingUploads(code, rows) {
    var section = document.getElementById("evidence-" + code);
    if (!section) { return; }
    var list = section.querySelector(".pending-uploads");
    var mine = rows.filter(function (row) { return row.kind === "upload" && row.code === code; });
    if (!mine.length) { if (list) { list.remove(); } return; }
    if (!list) {
      list = document.createElement("ul");
      list.className = "pending-uploads";
      section.insertBefore(list, section.firstChild);
    }
    list.replaceChildren();
    mine.forEach(function (row) {
      var li = document.createElement("li");
      li.textContent = row.filename + " – " + text("upload-waiting");
      list.appendChild(li);
    });
  }

  function showPendingUploads(code) {
    var box = outbox();
    if (!box) { return; }
    box.entries().then(function (rows) {
      pendingUploads(code, rows.filter(function (row) { return String(row.audit) === String(auditId); }));
    }, function () { /* ignore */ });
  }

  document.addEventListener("aiz:outbox", function (event) {
    var d = event.detail || {};
    var entry = d.entry;
    if (d.type === "waiting") {
      Object.keys(cards).forEach(function (code) {
        if (cards[code].status === "saving") { setStatus(cards[code], "queued", text("queued")); }
      });
      return;
    }
    if (!entry || String(entry.audit) !== String(auditId)) { return; }
    if (entry.kind === "upload") {
      var section = document.getElementById("evidence-" + entry.code);
      if ((d.type === "uploaded" || d.type === "upload-refused") && section && d.html) {
        var holder = document.createElement("div");
        holder.innerHTML = d.html;
        var fresh = holder.querySelector("section.evidence");
        if (fresh) { section.replaceWith(fresh); if (window.htmx) { window.htmx.process(fresh); } }
      }
      showPendingUploads(entry.code);
      return;
    }
    var state = cardFor(entry.code);
    if (!state) { return; }
    if (d.type === "sending") {
      if (!state.dirty) { setStatus(state, "saving", text("saving")); }
    } else if (d.type === "offline") {
      state.retry = RETRY_MIN_MS;
      setStatus(state, "queued", text("queued"));
    } else if (d.type === "sent") {
      var resolved = !!state.form.closest(".card-conflict");
      applySaved(state, d.body);
      if (resolved) { refreshCard(state); }
      if (!state.dirty) { setStatus(state, "saved", text("saved", d.body.saved_at)); }
    } else if (d.type === "conflict") {
      replaceCard(state, d.body.card, true);
    } else if (d.type === "invalid") {
      showErrors(state, d.body.errors || {});
      setStatus(state, "invalid", text("invalid"));
    } else if (d.type === "refused") {
      setStatus(state, "forbidden", text("forbidden"));
    } else if (d.type === "signed-out") {
      setStatus(state, "signed-out", text("signed-out"));
    }
  });

  function restoreFromOutbox() {
    // A page opened from the offline copy, or after a reload: show what is stored on this
    // device but not on the page yet (confirmed saves, then waiting and refused changes).
    var box = outbox();
    if (!box) { return; }
    box.known(auditId).then(function (rows) {
      rows.forEach(function (row) {
        var state = cardFor(row.code);
        var version = state && state.form.querySelector("input[name=version]");
        if (version && Number(row.version) > Number(version.value)) {
          applyFields(state.form, row.fields);
          version.value = String(row.version);
        }
      });
      return box.entries();
    }).then(function (rows) {
      var codes = {};
      rows.filter(function (row) { return String(row.audit) === String(auditId); }).forEach(function (row) {
        if (row.kind === "upload") { codes[row.code] = true; return; }
        var state = cardFor(row.code);
        if (!state) { return; }
        if (row.status === "conflict" && row.card) {
          replaceCard(state, row.card, false);
          return;
        }
        applyFields(state.form, row.fields);
        if (row.status === "invalid") {
          showErrors(state, row.errors || {});
          setStatus(state, "invalid", text("invalid"));
        } else if (row.status === "refused") {
          setStatus(state, "forbidden", text("forbidden"));
        } else {
          setStatus(state, "queued", text("queued"));
        }
      });
      Object.keys(codes).forEach(showPendingUploads);
    }).catch(function () { /* nothing stored */ });
  }

  function saveDirect(state) {
    clearTimeout(state.timer);
    if (state.inFlight) { state.again = true; return; }
    var form = state.form;
    if (!form.isConnected || form.getAttribute("data-autosave") === "off") { return; }
    state.inFlight = true;
    state.dirty = false;
    state.again = false;
    setStatus(state, "saving", text("saving"));
    var data = new FormData(form);
    var headers = {"Accept": "application/json", "X-Requested-With": "fetch"};
    var resolving = !!form.closest(".card-conflict");
    if (resolving) { headers["X-Want-Card"] = "1"; }
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin", headers: headers}).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("application/json") === -1) {
        // Signed out (the sign-in page answered) or a proxy's error page.
        var e = new Error(response.redirected ? "signed-out" : "failed");
        e.kind = response.redirected ? "signed-out" : (response.status >= 500 ? "offline" : "failed");
        throw e;
      }
      return response.json().then(function (body) { return {response: response, body: body}; });
    }).then(function (result) {
      var body = result.body, status = result.response.status;
      state.inFlight = false;
      if (status === 200 && body.status === "saved") {
        state.retry = RETRY_MIN_MS;
        var version = form.querySelector("input[name=version]");
        if (version) { version.value = String(body.version); }
        showErrors(state, {});
        var card = form.closest(".card");
        if (card) {
          card.classList.toggle("card-answered", !!body.answered);
          card.classList.toggle("card-open", !body.answered);
        }
        swapFragment("summary", body.summary);
        swapFragment("progress", body.progress);
        centreSide(state, body);
        connectionNotice();
        if (body.category) {
          var count = document.querySelector("#cat-" + body.category.code + " [data-category-count]");
          if (count) { count.textContent = body.category.text; }
        }
        if (resolving && body.card) {
          replaceCard(state, body.card, false);
          setStatus(cardState(document.querySelector("#crit-" + state.code + " form.card-form")),
                    "saved", text("saved", body.saved_at));
          return;
        }
        if (state.dirty || state.again) { save(state); return; }
        setStatus(state, "saved", text("saved", body.saved_at));
      } else if (status === 409 && body.card) {
        replaceCard(state, body.card, true);
      } else if (status === 422) {
        showErrors(state, body.errors || {});
        if (body.version) {
          var v = form.querySelector("input[name=version]");
          if (v) { v.value = String(body.version); }
        }
        setStatus(state, "invalid", text("invalid"));
        if (state.again) { markDirty(state, TEXT_DELAY_MS); }
      } else if (status === 403 || status === 404) {
        setStatus(state, "forbidden", text("forbidden"));
      } else if (status >= 500) {
        state.dirty = true;
        retryLater(state, "offline");
      } else {
        state.dirty = true;
        retryLater(state, "failed");
      }
    }).catch(function (error) {
      state.inFlight = false;
      state.dirty = true;
      if (error && error.kind === "signed-out") {
        setStatus(state, "signed-out", text("signed-out"));
        return;
      }
      retryLater(state, error && error.kind === "failed" ? "failed" : "offline");
    });
  }

  function wireCard(card) {
    var form = card.querySelector("form.card-form");
    if (form) {
      applyNa(form);
      form.addEventListener("change", function (event) {
        var target = event.target;
        if (target.name === "not_applicable") { applyNa(form); }
        if (form.getAttribute("data-autosave") === "off") { return; }
        var state = cardState(form);
        var reason = form.querySelector("textarea[name=na_reason]");
        if (target.name === "not_applicable" && target.checked && reason && !reason.value.trim()) {
          // N/A needs its reason: wait for it instead of sending a save the server refuses.
          state.dirty = true;
          clearTimeout(state.timer);
          setStatus(state, "unsaved", text("unsaved"));
          reason.focus();
          return;
        }
        // A choice saves at once; a text field fires "change" when it is left: save now.
        markDirty(state, 0);
      });
      form.addEventListener("input", function (event) {
        var target = event.target;
        if (form.getAttribute("data-autosave") === "off") { return; }
        if (target.tagName === "TEXTAREA" || target.type === "text") {
          markDirty(cardState(form), TEXT_DELAY_MS);
        }
      });
      form.addEventListener("submit", function (event) {
        // The button saves at once; a conflict card's "save my input" is the explicit choice.
        event.preventDefault();
        form.setAttribute("data-autosave", "on");
        save(cardState(form));
      });
    }
  }

  // --- evidence: upload on choice (delegated: evidence sections are swapped by htmx) ----

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("form.evidence-upload input[type=file]")) { return; }
    if (!input.files || !input.files.length) { return; }
    var form = input.form;
    var note = form.querySelector(".upload-state");
    if (!navigator.onLine && outbox()) {
      queueUpload(form, input, note);
      return;
    }
    if (note) { note.textContent = text("uploading"); note.hidden = false; }
    if (window.htmx) {
      window.htmx.trigger(form, "submit");
    } else {
      form.requestSubmit();
    }
  });

  function queueUpload(form, input, note) {
    var box = outbox();
    var file = input.files[0];
    var code = form.closest(".evidence").id.replace("evidence-", "");
    if (file.size > box.maxFileBytes) {
      if (note) { note.textContent = text("upload-too-large"); note.hidden = false; }
      return;
    }
    box.outboxBytes().then(function (used) {
      if (used + file.size > box.maxTotalBytes) {
        if (note) { note.textContent = text("upload-full"); note.hidden = false; }
        return undefined;
      }
      // The document's dates typed beside the file travel with it.
      var fields = ["document_date", "valid_until"].map(function (name) {
        var input = form.querySelector("input[name=" + name + "]");
        return [name, input ? input.value : ""];
      }).filter(function (pair) { return pair[1]; });
      return box.put({kind: "upload", audit: auditId, code: code, url: form.action, file: file,
                      filename: file.name, size: file.size, fields: fields}).then(function () {
        input.value = "";
        if (note) { note.hidden = true; }
        showPendingUploads(code);
      });
    }).catch(function () {
      if (note) { note.textContent = text("failed"); note.hidden = false; }
    });
  }

  document.body.addEventListener("htmx:sendError", function (event) {
    // The connection dropped during an upload: keep the file in the outbox.
    var form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("form.evidence-upload") || !outbox()) { return; }
    var input = form.querySelector("input[type=file]");
    if (input && input.files && input.files.length) {
      queueUpload(form, input, form.querySelector(".upload-state"));
    }
  });

  document.body.addEventListener("htmx:load", function (event) {
    var el = event.detail && event.detail.elt;
    if (el && el.classList && el.classList.contains("card") && !el.hasAttribute("data-wired")) {
      el.setAttribute("data-wired", "1");
      wireCard(el);
    }
  });

  document.querySelectorAll(".card").forEach(function (card) {
    card.setAttribute("data-wired", "1");
    wireCard(card);
  });
  restoreFromOutbox();
  if (outbox() && navigator.onLine && root.hasAttribute("data-offline-urls")
      && !outbox().preparedAudits()[auditId]) {
    // Opened once online: the checklist is kept for offline use (refreshed on every visit).
    outbox().prepare(auditId, JSON.parse(root.getAttribute("data-offline-urls"))).catch(function () {});
  }

  // --- retry when the connection is back; never leave with unsaved input ----------------

  window.addEventListener("online", function () {
    if (outbox()) { outbox().flush(); }
    Object.keys(cards).forEach(function (code) {
      var s = cards[code];
      if (s.dirty && !s.inFlight) { s.retry = RETRY_MIN_MS; save(s); }
    });
  });
  window.addEventListener("beforeunload", function (event) {
    if (pending()) {
      event.preventDefault();
      event.returnValue = text("leave");
      return event.returnValue;
    }
    return undefined;
  });

  // --- orientation: folding categories, jumping, the next open criterion ---------------

  var foldKey = "aiz:checklist:" + auditId + ":folded";
  var folded = {};
  try { folded = JSON.parse(window.localStorage.getItem(foldKey) || "{}") || {}; } catch (e) { folded = {}; }
  document.querySelectorAll("details.category").forEach(function (section) {
    var code = section.getAttribute("data-category");
    if (folded[code]) { section.open = false; }
    section.addEventListener("toggle", function () {
      folded[code] = !section.open;
      try { window.localStorage.setItem(foldKey, JSON.stringify(folded)); } catch (e) { /* private mode */ }
    });
  });

  function reveal(element) {
    var section = element.closest("details.category");
    if (section && !section.open) { section.open = true; }
  }

  function goTo(element) {
    reveal(element);
    element.scrollIntoView({block: "start"});
    var field = element.querySelector("input:not([type=hidden]):not([disabled]), textarea");
    (field || element).focus({preventScroll: true});
  }

  function nextOpen() {
    var bar = document.getElementById("progress");
    var offset = bar ? bar.getBoundingClientRect().bottom + 4 : 0;
    var open = Array.prototype.slice.call(document.querySelectorAll(".card.card-open"));
    if (!open.length) { return null; }
    var below = open.filter(function (card) {
      var section = card.closest("details.category");
      var top = section && !section.open ? section.getBoundingClientRect().top
                                         : card.getBoundingClientRect().top;
      return top > offset + 1;
    });
    return below[0] || open[0];
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a") : null;
    if (!link) { return; }
    if (link.hasAttribute("data-keep-saved") && outbox()) {
      var card = link.closest(".card");
      if (card) { outbox().discard(auditId, card.getAttribute("data-code")); }
    }
    if (link.hasAttribute("data-next-open")) {
      var card = nextOpen();
      if (card) { event.preventDefault(); goTo(card); }
      return;
    }
    var href = link.getAttribute("href") || "";
    if (href.charAt(0) === "#") {
      var target = document.getElementById(href.slice(1));
      if (target) {
        reveal(target);
        if (target.tagName === "DETAILS") { target.open = true; }
        var jump = link.closest("details.jump-list");
        if (jump) { jump.open = false; }
      }
    }
  });
  if (window.location.hash) {
    var initial = document.getElementById(window.location.hash.slice(1));
    if (initial) { reveal(initial); initial.scrollIntoView({block: "start"}); }
  }
})();
