// Progressive help only: every page works without it. No inline scripts (CSP).
(function () {
  "use strict";

  // Character counters for the deeds fields.
  document.querySelectorAll("[data-counter]").forEach(function (field) {
    var out = document.getElementById(field.dataset.counter);
    var max = parseInt(field.getAttribute("maxlength"), 10);
    function update() {
      var used = Array.from(field.value).length;
      out.textContent = " " + used + " / " + max;
      out.classList.toggle("text-danger", used > max);
    }
    field.addEventListener("input", update);
    update();
  });

  // On a narrow screen the diagram scrolls sideways: bring the current state into view.
  document.querySelectorAll(".diagram-wrap").forEach(function (wrap) {
    var current = wrap.querySelector(".state.current rect");
    if (current && wrap.scrollWidth > wrap.clientWidth) {
      var box = current.getBoundingClientRect(), frame = wrap.getBoundingClientRect();
      wrap.scrollLeft += box.left - frame.left - (frame.width - box.width) / 2;
    }
  });

  // Ask before irreversible actions; a return or rejection needs a reason. The server checks
  // both again: this only spares a round trip.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("form.action-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button) { return; }
      var comment = form.querySelector("textarea[name=comment]");
      if (button.dataset.needsComment && comment && !comment.value.trim()) {
        event.preventDefault();
        comment.classList.add("is-invalid");
        document.getElementById("comment-needed").classList.add("d-block");
        comment.focus();
        return;
      }
      if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // "Select all" boxes in table headers.
  document.querySelectorAll("input.select-all").forEach(function (box) {
    box.addEventListener("change", function () {
      box.closest("form").querySelectorAll("input[name=" + box.dataset.target + "]").forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });

  // Warn before leaving a form with unsaved changes.
  document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = form.dataset.unsavedWarning; }
    });
  });
})();
