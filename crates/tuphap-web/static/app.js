// Small progressive enhancements; every page works without this file.
// - Confirmation for forms marked data-confirm (e.g. removing a calendar adjustment).
// - Sends the CSRF token with htmx requests (read from <meta name="csrf-token">).
document.addEventListener("submit", function (ev) {
  var f = ev.target;
  if (f && f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
    ev.preventDefault();
  }
});
document.addEventListener("htmx:configRequest", function (ev) {
  var m = document.querySelector('meta[name="csrf-token"]');
  if (m) { ev.detail.headers["x-csrf-token"] = m.getAttribute("content"); }
});
