// Progressive enhancement only: every page works without this file.
document.addEventListener("click", function (event) {
  var print = event.target.closest("[data-print]");
  if (print) { window.print(); return; }
  var copy = event.target.closest("[data-copy]");
  if (copy) {
    var source = document.getElementById(copy.getAttribute("data-copy"));
    source.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(source.value).then(function () { copy.textContent = "Copied"; });
    } else if (document.execCommand("copy")) {
      copy.textContent = "Copied";
    }
    return;
  }
  var confirmer = event.target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary[tabindex]");
  if (summary) { summary.focus(); }
  var token = document.getElementById("new-token");
  if (token) { token.select(); }
});
// Type-ahead for name fields backed by a JSON list (e.g. the vendor field of a large register):
// fills the field's <datalist> with matching names as the user types.
(function () {
  var timers = new WeakMap();
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLInputElement) || !field.dataset.options || !field.list) { return; }
    clearTimeout(timers.get(field));
    timers.set(field, setTimeout(function () {
      var q = field.value.trim();
      if (!q) { field.list.replaceChildren(); return; }
      fetch(field.dataset.options + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (r) { return r.ok ? r.json() : { vendors: [] }; }).then(function (data) {
        if (field.value.trim() !== q) { return; }
        field.list.replaceChildren.apply(field.list, data.vendors.map(function (v) {
          var option = document.createElement("option");
          option.value = v.name;
          return option;
        }));
      }).catch(function () {});
    }, 150));
  });
})();
