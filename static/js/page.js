// Small behaviours of the office pages, without inline handlers (the Content-Security-Policy forbids them):
// a <select data-autosubmit> submits its form on change; a [data-print] element prints the page.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.submit();
});
document.addEventListener("click", (event) => {
  const trigger = event.target.closest && event.target.closest("[data-print]");
  if (trigger) {
    event.preventDefault();
    window.print();
  }
});
// An error page's "返回上一页" goes back in the history (its href, the workbench, when there is none).
document.addEventListener("click", (event) => {
  const back = event.target.closest && event.target.closest("[data-history-back]");
  if (back && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
// A form with [data-confirm] asks once before it is sent (the confirm step of a write).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
// htmx sends Django's CSRF token with every request it makes (the token is in the page's <meta name=csrf-token>).
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector("meta[name=csrf-token]");
  if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
});
