// The admin pages' own few lines of script (no inline scripts: the CSP forbids them).
// Pages work without it; it only saves a click.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  }
});
