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
// The answer form saves each question as it is entered (POST <form data-autosave> with the
// question's key), and warns before leaving while a question has changes not yet saved.
// Without this script the form still posts whole with its Save button.
(function () {
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var hint = form.querySelector(".autosave-hint");
  if (hint) { hint.hidden = false; }
  var token = form.querySelector("input[name=csrf_token]").value;
  var dirty = {};      // key → true while a change is not saved
  var running = {};    // key → a save is on its way
  var again = {};      // key → changed again while saving: save once more after
  var timers = {};
  var sent = {};       // key → the values last saved (a change event that restores them is no change)
  var submitting = false;

  function snapshot(fs) {
    var parts = [];
    fs.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.type === "file") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      parts.push(el.name + "=" + el.value);
    });
    return parts.join("\n");
  }
  function chosenFile(fs) {
    var file = fs.querySelector("input[type=file]");
    return !!(file && file.files.length);
  }
  form.querySelectorAll("fieldset[data-cap]").forEach(function (fs) {
    var key = fs.getAttribute("data-cap");
    // A question the server refused on this page's last save is still unsaved.
    if (fs.classList.contains("has-error")) { dirty[key] = true; } else { sent[key] = snapshot(fs); }
  });

  function fieldsetOf(el) { return el.closest && el.closest("fieldset[data-cap]"); }
  function note(key, text, bad) {
    var p = document.getElementById("saved-" + key);
    if (p) { p.textContent = text; p.classList.toggle("warn-text", !!bad); }
  }
  function swap(id, html) {
    var old = document.getElementById(id);
    if (!old || !html) { return; }
    var box = document.createElement("div");
    box.innerHTML = html;
    if (box.firstElementChild) { old.replaceWith(box.firstElementChild); }
  }
  function mark(fs, errors) {
    fs.classList.toggle("has-error", Object.keys(errors).length > 0);
    fs.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.type === "hidden") { return; }
      if (errors[el.name]) {
        el.setAttribute("aria-invalid", "true");
        el.setAttribute("aria-describedby", "f-" + el.name.replace(".", "-") + "-error");
      } else if (el.getAttribute("aria-invalid")) {
        el.removeAttribute("aria-invalid");
        el.removeAttribute("aria-describedby");
      }
    });
  }
  function save(key) {
    var fs = form.querySelector('fieldset[data-cap="' + key + '"]');
    if (!fs) { return; }
    if (running[key]) { again[key] = true; return; }
    running[key] = true;
    var data = new FormData();
    var snap = snapshot(fs);
    data.append("csrf_token", token);
    fs.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if (el.type === "file") {
        if (el.files.length) { data.append(el.name, el.files[0]); }
        return;
      }
      data.append(el.name, el.value);
    });
    note(key, "Saving…");
    fetch(form.getAttribute("data-autosave").replace("KEY", encodeURIComponent(key)), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token }
    }).then(function (r) {
      return r.json().catch(function () { return { errors: { _: "the server did not answer" } }; })
        .then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      var b = res.body;
      swap("status-" + key, b.status_html);
      swap("score-mini", b.score_html);
      swap("attached-" + key, b.attached_html);
      swap("errors-" + key, b.errors_html);
      mark(fs, b.errors || {});
      if (res.ok) {
        sent[key] = snap;
        if (!again[key]) { delete dirty[key]; }
        var file = fs.querySelector("input[type=file]");
        if (file && b.saved) { file.value = ""; }
        note(key, b.saved ? "Saved at " + new Date().toLocaleTimeString() : "");
      } else {
        note(key, "Not saved: " + (b.message || b.error || "the server refused it"), true);
      }
    }).catch(function () {
      note(key, "Not saved: the server could not be reached. Your answer is still here.", true);
    }).then(function () {
      running[key] = false;
      if (again[key]) { delete again[key]; save(key); }
    });
  }
  function changed(event, wait) {
    var fs = fieldsetOf(event.target);
    if (!fs || !event.target.name) { return; }
    var key = fs.getAttribute("data-cap");
    if (!running[key] && snapshot(fs) === sent[key] && !chosenFile(fs)) {
      delete dirty[key];
      clearTimeout(timers[key]);
      return;
    }
    dirty[key] = true;
    if (running[key]) { again[key] = true; }
    clearTimeout(timers[key]);
    timers[key] = setTimeout(function () { save(key); }, wait);
  }
  form.addEventListener("input", function (event) {
    var t = event.target.type;
    if (t === "text" || t === "url" || t === "number" || t === "textarea") { changed(event, 1500); }
  });
  form.addEventListener("change", function (event) { changed(event, 150); });
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || Object.keys(dirty).length === 0) { return; }
    event.preventDefault();
    event.returnValue = "";
  });
})();
