/* The programme editor's live parts (issue 22). Progressive: without this file the page
   works the same, the 预览 button posts the form and the server draws the preview.
   - the banner preview follows what is typed in the banner rule, the sample unit and the
     trial banner (GET /programmes/banner-preview/, nothing saved);
   - the indicators' weight total follows the weights typed.
   No inline script anywhere (the site's Content-Security-Policy allows our own files only). */
(function () {
  "use strict";
  var form = document.getElementById("programme-editor");
  if (!form) { return; }

  function rowsOf(list, suffix) {
    // the inputs of one row list whose row is not ticked for deletion
    return Array.prototype.filter.call(
      form.querySelectorAll('[name^="' + list + '-"][name$="-' + suffix + '"]'),
      function (input) {
        var row = input.name.slice(0, -suffix.length);
        var deleted = form.querySelector('[name="' + row + 'DELETE"]');
        return !/__prefix__/.test(input.name) && !(deleted && deleted.checked);
      });
  }

  // ------------------------------------------------------------ banner preview
  var box = document.getElementById("banner-preview");
  var result = document.getElementById("banner-preview-result");
  var timer = null;
  var asked = 0;

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }

  function line(before, value) {
    var p = document.createElement("p");
    p.appendChild(document.createTextNode(before));
    p.appendChild(text("span", value, "canonical"));
    return p;
  }

  function list(messages, id) {
    var ul = text("ul", "", "errorlist");
    if (id) { ul.id = id; }
    messages.forEach(function (message) { ul.appendChild(text("li", message)); });
    return ul;
  }

  function draw(answer) {
    result.textContent = "";
    if (answer.rule_problems.length) {
      result.appendChild(list(answer.rule_problems));
      return;
    }
    var first = line(answer.unit + "的规范会标：", answer.canonical);
    first.lastChild.id = "preview-canonical";
    result.appendChild(first);
    answer.alternatives.forEach(function (alternative) { result.appendChild(line("也可写作：", alternative)); });
    if (answer.trial) {
      if (answer.trial_passes) {
        var ok = text("p", "“" + answer.trial + "”符合会标规则。", "ok");
        ok.id = "preview-trial";
        result.appendChild(ok);
      } else {
        result.appendChild(list(answer.trial_problems, "preview-trial"));
      }
    }
  }

  function ask() {
    var query = new URLSearchParams();
    rowsOf("banner_templates", "template").forEach(function (input) { query.append("template", input.value); });
    rowsOf("forbidden_banner_names", "name").forEach(function (input) { query.append("forbidden", input.value); });
    var year = form.querySelector('[name="year"]');
    query.append("year", year && year.value ? year.value : box.getAttribute("data-year"));
    var unit = form.querySelector('[name="preview-unit"]');
    var trial = form.querySelector('[name="preview-trial"]');
    query.append("unit", unit ? unit.value : "");
    query.append("trial", trial ? trial.value : "");
    var mine = ++asked;
    fetch(box.getAttribute("data-url") + "?" + query.toString(), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer && mine === asked) { draw(answer); }  // only the latest question's answer
    }).catch(function () { /* offline: the 预览 button still works */ });
  }

  function concernsBanner(target) {
    var name = target.name || "";
    return /^(banner_templates|forbidden_banner_names|preview)-/.test(name) || name === "year";
  }

  // ------------------------------------------------------------ weight total
  var total = document.getElementById("weights-total");

  function addUp() {
    var sum = 0;
    rowsOf("indicators", "weight").forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) { sum += value; }
    });
    sum = Math.round(sum * 100) / 100;
    total.textContent = String(sum);
    total.className = sum === 100 ? "" : "off";
  }

  function changed(event) {
    var target = event.target;
    if (box && result && concernsBanner(target)) {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    }
    if (total && /^indicators-/.test(target.name || "")) { addUp(); }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
})();
