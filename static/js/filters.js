// The list filters (templates/workflow/declaration_list.html). Without this file the form
// works as a plain GET form with its 查询 button; with it, choosing in a list submits at once,
// and empty fields are left out of the address, so a filtered list's link stays short.
(function () {
  "use strict";
  function leaveOutEmpty(form) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && !field.value) { field.disabled = true; }
    });
  }
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-filters]")) { leaveOutEmpty(event.target); }
  });
  // Back to a list left by a submit: its fields are usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-filters] [disabled]").forEach(function (field) { field.disabled = false; });
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches("form[data-filters] select") && field.form) {
      if (field.form.requestSubmit) { field.form.requestSubmit(); } else { leaveOutEmpty(field.form); field.form.submit(); }
    }
  });
}());
