// Progressive enhancement only: every page works without this file.
document.addEventListener("click", function (event) {
  var print = event.target.closest("[data-print]");
  if (print) { window.print(); return; }
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
