// Scripts of the pages live in files: the Content-Security-Policy allows no inline script.
// Every page works without them.
(function () {
  "use strict";
  // A form with data-filters (the list filters) leaves its empty fields out of the address on
  // submit, so a filtered list's link stays short: ?month=7, not ?unit=&state=&month=7&…
  function leaveOutEmpty(form) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && !field.value) { field.disabled = true; }
    });
  }
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("form[data-filters]")) { leaveOutEmpty(event.target); }
  });
  // Back to a list left by a submit: its fields are usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-filters] [disabled]").forEach(function (field) { field.disabled = false; });
  });
  // A <select data-autosubmit> submits its form when changed (the list filters).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      if (target.form.requestSubmit) { target.form.requestSubmit(); } else { leaveOutEmpty(target.form); target.form.submit(); }
    }
  });
}());
