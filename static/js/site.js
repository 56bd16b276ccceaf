// Scripts of the pages live in files: the Content-Security-Policy allows no inline script.
// A <select data-autosubmit> submits its form when changed (the list filters).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
