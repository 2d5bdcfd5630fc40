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
    var question = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
    if (!question || form.hasAttribute("data-confirmed")) { return; }
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
