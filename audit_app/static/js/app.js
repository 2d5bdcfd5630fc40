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
