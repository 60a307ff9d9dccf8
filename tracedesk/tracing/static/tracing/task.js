// Shows the callback time only for "callback requested" and the language only for
// "interpreter needed" (the fields stay in the page without JavaScript).
(function () {
  "use strict";
  function update(form) {
    var chosen = form.querySelector('input[name="outcome"]:checked');
    var value = chosen ? chosen.value : "";
    form.querySelectorAll(".callback-only").forEach(function (el) { el.hidden = value !== "callback"; });
    form.querySelectorAll(".interpreter-only").forEach(function (el) { el.hidden = value !== "interpreter"; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("outcome-form");
    if (!form) { return; }
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
