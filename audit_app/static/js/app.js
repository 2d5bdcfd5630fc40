/* Scripts run: CSS may hide what only the no-script fallback needs. */
document.documentElement.classList.add("js");

/* Messages for in-place saves that did not reach the server or came back with an error.
   htmx leaves the page as it is (nothing typed is lost); this says so in the live region. */
(function () {
  "use strict";
  function show(kind) {
    var box = document.getElementById("connection-status");
    if (!box) { return; }
    box.textContent = box.getAttribute("data-" + kind) || "";
    box.hidden = false;
  }
  function hide() {
    var box = document.getElementById("connection-status");
    if (box) { box.hidden = true; box.textContent = ""; }
  }
  document.addEventListener("htmx:sendError", function () { show("offline"); });
  document.addEventListener("htmx:timeout", function () { show("offline"); });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    show(status === 413 ? "too-large" : status === 403 || status === 404 ? "forbidden" : "failed");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful) { hide(); }
  });
})();

/* Irreversible actions ask once: a form with data-confirm="…" is sent only after the user
   confirmed that text (for plain and htmx forms alike; captured before htmx sees it). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = button && button.getAttribute && button.getAttribute("data-confirm");
    question = question || (form && form.getAttribute ? form.getAttribute("data-confirm") : null);
    if (!question || form.hasAttribute("data-confirmed")) { return; }
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    } else if (!button || !button.getAttribute("data-confirm")) {
      form.setAttribute("data-confirmed", "1");  // a later re-submit (outbox first) asks no more
    }
  }, true);
})();

/* Slow work shows progress: a form with data-busy="…" disables its button on submit and
   says what is happening (the decision issues the certificate). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.getAttribute || !form.hasAttribute("data-busy")) { return; }
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (!button) { return; }
    // Disable after the browser took the button's value into the submission.
    window.setTimeout(function () {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = form.getAttribute("data-busy");
    }, 0);
  });
})();

/* The review's decision panel on narrow screens: a drawer opened from the sticky bar. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-review-panel]");
  if (!panel) { return; }
  document.addEventListener("click", function (event) {
    var open = event.target.closest && event.target.closest("[data-panel-open]");
    var close = event.target.closest && event.target.closest("[data-panel-close]");
    if (open) {
      event.preventDefault();
      panel.classList.add("panel-open");
      var first = panel.querySelector("select, textarea, button:not([data-panel-close])");
      if (first) { first.focus(); }
    } else if (close) {
      panel.classList.remove("panel-open");
      var opener = document.querySelector("[data-panel-open]");
      if (opener) { opener.focus(); }
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel.classList.contains("panel-open")) {
      panel.classList.remove("panel-open");
    }
  });
})();
