/* The target form (templates/targets/target_form.html): only the chosen type's fields are shown, and the
   fields the chosen type and scheme require are marked.

   The rules are the server's (targets.models.required_fields): each field carries them as
   data-required-when="TYPE/SCHEME ..." (the cases that require it, "*" for every case), so this file knows
   no field name and no rule. A static file, because the Content-Security-Policy allows no inline script.
   Without JavaScript both fieldsets stay shown and the server's errors still say what is missing. */
(function () {
  "use strict";

  function markFor(input) {
    var label = input.id && input.form.querySelector('label[for="' + input.id + '"]');
    if (!label) return null;
    var mark = label.querySelector(".required-mark");
    if (!mark) {
      mark = document.createElement("span");
      mark.className = "required-mark text-danger";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = " *";
      label.appendChild(mark);
    }
    return mark;
  }

  function update(form) {
    var type = form.elements.type ? form.elements.type.value : "";
    var scheme = form.elements.scheme ? form.elements.scheme.value : "";
    var current = type + "/" + scheme;

    form.querySelectorAll("fieldset[data-shown-for]").forEach(function (fieldset) {
      // A fieldset holding a field the server refused stays shown, so its error is never hidden.
      var chosen = fieldset.dataset.shownFor === type;
      fieldset.hidden = !chosen && !fieldset.querySelector(".is-invalid");
    });

    form.querySelectorAll("[data-required-when]").forEach(function (input) {
      var cases = input.dataset.requiredWhen.split(" ");
      var required = cases.indexOf("*") !== -1 || cases.indexOf(current) !== -1;
      var mark = markFor(input);
      if (mark) mark.hidden = !required;
      input.setAttribute("aria-required", required ? "true" : "false");
    });

    var legend = form.querySelector(".required-legend");
    if (legend) legend.hidden = false;
  }

  function start() {
    var form = document.getElementById("target-form");
    if (!form) return;
    form.addEventListener("change", function (event) {
      var name = event.target.name;
      if (name === "type" || name === "scheme") update(form);
    });
    update(form);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
