// The admin pages' own few lines of script (no inline scripts: the CSP forbids them).
// Pages work without it; it only saves a click.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  }
});

// The placeholder palette: a click inserts the placeholder at the cursor.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-insert]");
  if (!button) return;
  var area = document.getElementById(button.getAttribute("data-target"));
  if (!area) return;
  var text = button.getAttribute("data-insert");
  var start = area.selectionStart || area.value.length, end = area.selectionEnd || start;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.focus();
  area.selectionStart = area.selectionEnd = start + text.length;
  area.dispatchEvent(new Event("input", { bubbles: true }));
});
