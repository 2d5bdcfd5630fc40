/* The centre's questionnaire and self-assessment save themselves, like the checklist's cards
   (static/js/checklist.js), without its offline outbox:

   - choices save at once, text after a pause and when the field is left; one request per
     form at a time, changes made meanwhile follow it;
   - a save answers JSON: the new version, the time, and fragments to swap (progress bar,
     live result); a refusal shows its message next to the field and keeps the input; a
     conflict says what was saved meanwhile and waits for an explicit save;
   - no connection: "offline – will retry", retried with a growing pause and when the
     browser is online again; leaving the page with unsaved input asks first.
   Without JavaScript every form still works by its button. */
(function () {
  "use strict";

  var root = document.querySelector("[data-autosave-root]");
  if (!root) { return; }
  var TEXT_DELAY_MS = 1200;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 30000;
  var states = [];

  function text(kind, values) {
    var value = root.getAttribute("data-text-" + kind) || kind;
    Object.keys(values || {}).forEach(function (key) {
      value = value.replace("{" + key + "}", values[key]);
    });
    return value;
  }

  function stateOf(form) {
    if (!form.__autosave) {
      form.__autosave = {form: form, dirty: false, inFlight: false, again: false, timer: null,
                         retry: RETRY_MIN_MS, status: "clean", hold: false};
      states.push(form.__autosave);
    }
    return form.__autosave;
  }

  function setStatus(state, status, label) {
    state.status = status;
    var box = state.form.querySelector(".save-state");
    var card = state.form.closest(".qcard, .card");
    if (card) {
      card.classList.toggle("qcard-invalid", status === "invalid");
      card.classList.toggle("card-invalid", status === "invalid");
    }
    if (!box) { return; }
    var span = document.createElement("span");
    span.className = status === "saved" ? "ok" : (status === "invalid" || status === "forbidden"
      || status === "conflict") ? "bad" : "pending";
    span.textContent = label;
    box.replaceChildren(span);
  }

  function showErrors(form, errors) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) {
      var message = errors[el.getAttribute("data-error-for")];
      el.textContent = message || "";
      el.hidden = !message;
    });
    form.querySelectorAll("[name]").forEach(function (el) {
      if (el.type === "hidden") { return; }
      if (errors[el.name]) { el.setAttribute("aria-invalid", "true"); } else { el.removeAttribute("aria-invalid"); }
    });
  }

  function swapFragments(fragments) {
    Object.keys(fragments || {}).forEach(function (id) {
      var current = document.getElementById(id);
      if (!current) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = fragments[id];
      var fresh = holder.querySelector("#" + id);
      if (fresh) { current.replaceWith(fresh); }
    });
  }

  function markDirty(state, delay) {
    if (state.hold) { return; }
    state.dirty = true;
    setStatus(state, "unsaved", text("unsaved"));
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { save(state); }, delay);
  }

  function retryLater(state) {
    state.dirty = true;
    setStatus(state, "offline", text("offline"));
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { save(state); }, state.retry);
    state.retry = Math.min(state.retry * 2, RETRY_MAX_MS);
  }

  function save(state) {
    clearTimeout(state.timer);
    if (state.inFlight) { state.again = true; return; }
    var form = state.form;
    state.inFlight = true;
    state.dirty = false;
    state.again = false;
    setStatus(state, "saving", text("saving"));
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "application/json", "X-Requested-With": "fetch"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") === -1) {
          var e = new Error("failed");
          e.status = response.status;
          throw e;
        }
        return response.json().then(function (body) { return {status: response.status, body: body}; });
      })
      .then(function (result) {
        var body = result.body;
        var version = form.querySelector("input[name=version]");
        state.inFlight = false;
        if (result.status === 200 && body.status === "saved") {
          state.retry = RETRY_MIN_MS;
          state.hold = false;
          if (version) { version.value = String(body.version); }
          showErrors(form, {});
          var card = form.closest(".qcard, .card");
          if (card) {
            card.classList.remove("qcard-open", "card-open");
            card.classList.add(card.classList.contains("qcard") ? "qcard-answered" : "card-answered");
          }
          swapFragments(body.fragments);
          if (state.dirty || state.again) { save(state); return; }
          setStatus(state, "saved", text("saved", {time: body.saved_at || ""}));
        } else if (result.status === 409) {
          // Someone else saved: their version is the base now; the input stays and is
          // saved only when the user says so (the button).
          if (version) { version.value = String(body.version); }
          state.hold = true;
          setStatus(state, "conflict", text("conflict", {value: body.current || "–"}));
        } else if (result.status === 422) {
          showErrors(form, body.errors || {});
          setStatus(state, "invalid", text("invalid"));
          if (state.again) { markDirty(state, TEXT_DELAY_MS); }
        } else {
          setStatus(state, "forbidden", text("forbidden"));
        }
      })
      .catch(function (error) {
        state.inFlight = false;
        if (error && (error.status === 403 || error.status === 404)) {
          setStatus(state, "forbidden", text("forbidden"));
          return;
        }
        retryLater(state);
      });
  }

  function wire(form) {
    form.addEventListener("change", function () { markDirty(stateOf(form), 0); });
    form.addEventListener("input", function (event) {
      var target = event.target;
      if (target.tagName === "TEXTAREA" || target.type === "text") {
        markDirty(stateOf(form), TEXT_DELAY_MS);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var state = stateOf(form);
      state.hold = false;
      save(state);
    });
  }

  root.querySelectorAll("form[data-autosave]").forEach(wire);

  window.addEventListener("online", function () {
    states.forEach(function (state) {
      if (state.dirty && !state.inFlight) { state.retry = RETRY_MIN_MS; save(state); }
    });
  });
  window.addEventListener("beforeunload", function (event) {
    var pending = states.some(function (s) {
      return s.dirty || s.inFlight || s.status === "invalid" || s.status === "conflict"
        || s.status === "offline";
    });
    if (pending) {
      event.preventDefault();
      event.returnValue = text("leave");
      return event.returnValue;
    }
    return undefined;
  });
})();
