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
