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

  // ID number (GB 11643), checked as it is typed with the rules of core/idnumber.py; the server
  // checks again. When valid, an empty gender and birth date are filled from it.
  var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var ID_CHECK = "10X98765432";
  function parseIdNumber(raw, today) {
    // Input methods often type full-width digits (４４０５…): NFKC folds them to ASCII.
    var value = (raw || "").normalize("NFKC").trim().toUpperCase();
    if (value.length !== 18) { return { error: "length", count: Array.from(value).length }; }
    if (!/^[0-9]{17}[0-9X]$/.test(value)) { return { error: "pattern" }; }
    var year = +value.slice(6, 10), month = +value.slice(10, 12), day = +value.slice(12, 14);
    var born = new Date(Date.UTC(year, month - 1, day));
    if (month < 1 || month > 12 || born.getUTCFullYear() !== year || born.getUTCMonth() !== month - 1 ||
        born.getUTCDate() !== day) { return { error: "noDate" }; }
    var iso = value.slice(6, 10) + "-" + value.slice(10, 12) + "-" + value.slice(12, 14);
    if (iso > today || year < 1800) { return { error: "impossible" }; }
    var total = 0;
    for (var i = 0; i < 17; i++) { total += (+value[i]) * ID_WEIGHTS[i]; }
    if (ID_CHECK[total % 11] !== value[17]) { return { error: "check" }; }
    return { value: value, birthDate: iso, gender: (+value[16]) % 2 === 1 ? "male" : "female" };
  }
  // A day (YYYY-MM-DD) the way the pages write it: 1985年6月15日 / Jun 15, 1985 (core/formats.py).
  function formatDay(iso) {
    var parts = iso.split("-");
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    return day.toLocaleDateString(document.documentElement.lang || undefined,
      { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
  }
  document.querySelectorAll(".id-number-check").forEach(function (box) {
    var input = box.querySelector("input[name=id_number]");
    var out = box.querySelector(".id-number-message");
    var form = box.closest("form");
    var gender = form.querySelector("select[name=gender]");
    var birth = form.querySelector("input[name=birth_date]");
    if (!input || !out) { return; }
    input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "") + " " + out.id);
    function show(message, ok) {
      out.textContent = message;
      out.classList.toggle("text-danger", !ok && !!message);
      out.classList.toggle("text-success", ok && !!message);
      input.classList.toggle("is-invalid", !ok && !!message);
      input.classList.toggle("is-valid", ok && !!message);
      if (!ok && message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    }
    function check(finished) {
      var raw = input.value.normalize("NFKC").trim();
      if (!raw || (!finished && raw.length < 18)) { show("", true); return; }
      var now = new Date();
      var today = now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" +
        String(now.getDate()).padStart(2, "0");
      var result = parseIdNumber(raw, today);
      var messages = box.dataset;
      if (result.error === "length") {
        show(messages.msgLength.replace("987654321", String(result.count)), false);
      } else if (result.error) {
        show(messages["msg" + result.error.charAt(0).toUpperCase() + result.error.slice(1)], false);
      } else {
        if (finished && input.value !== result.value) { input.value = result.value; }  // ASCII, as stored
        if (gender && !gender.value) { gender.value = result.gender; }
        if (birth && !birth.value) { birth.value = result.birthDate; }
        if (birth && birth.value && birth.value !== result.birthDate) {
          show(messages.msgBirthDate.replace("{day}", formatDay(result.birthDate)), false);
        } else if (gender && gender.value && gender.value !== result.gender) {
          show(messages.msgGender, false);
        } else {
          show(messages.msgValid, true);
        }
      }
    }
    input.addEventListener("input", function () { check(false); });
    input.addEventListener("blur", function () { check(true); });
    [gender, birth].forEach(function (other) {
      if (other) { other.addEventListener("change", function () { if (input.value) { check(true); } }); }
    });
  });

  // An organisation's membership rate (members ÷ staff, one decimal), shown as the counts are typed.
  document.querySelectorAll(".membership-rate").forEach(function (box) {
    var form = box.closest("form");
    var staff = form.querySelector("[name=" + box.dataset.staff + "]");
    var members = form.querySelector("[name=" + box.dataset.members + "]");
    var out = box.querySelector("output");
    var locale = document.documentElement.lang || undefined;
    function count(field) {
      var text = field.value.normalize("NFKC").trim();
      return /^\d+$/.test(text) ? parseInt(text, 10) : null;
    }
    function update() {
      var s = count(staff), m = count(members);
      box.classList.remove("text-danger");
      if (s === null || m === null || s < 1) { box.hidden = true; out.textContent = ""; return; }
      box.hidden = false;
      if (m > s) { box.classList.add("text-danger"); out.textContent = box.dataset.msgTooMany; return; }
      out.textContent = (m / s).toLocaleString(locale, { style: "percent", minimumFractionDigits: 1,
        maximumFractionDigits: 1 });
    }
    staff.addEventListener("input", update);
    members.addEventListener("input", update);
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
    form.querySelectorAll("select").forEach(function (choice) {
      choice.addEventListener("change", function () { choice.classList.remove("is-invalid"); });
    });
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
      // An action that needs a choice (the level a return goes to): the choice's own field says so.
      var missing = (button.dataset.needsChoice || "").split(" ").filter(function (name) {
        var field = name && form.querySelector("[name=" + name + "]");
        return field && !field.value;
      });
      if (missing.length) {
        event.preventDefault();
        var choice = form.querySelector("[name=" + missing[0] + "]");
        choice.classList.add("is-invalid");
        choice.focus();
        return;
      }
      if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // "Select all" boxes in table headers.
  document.querySelectorAll("input.select-all").forEach(function (box) {
    box.addEventListener("change", function () {
      var items = box.dataset.form  // rows may belong to a form elsewhere on the page (form="…")
        ? document.querySelectorAll("input[form=" + box.dataset.form + "][name=" + box.dataset.target + "]")
        : box.closest("form").querySelectorAll("input[name=" + box.dataset.target + "]");
      items.forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });

  // Warn before leaving a form with unsaved changes; where the page offers it (data-autosave-url), save
  // the draft in the background 20 s after a change and when a field is left. The server checks the
  // form as the Save button does and answers with the new version (or why it did not save), which the
  // status line shows; a failed autosave leaves the warning on.
  var AUTOSAVE_DELAY = 20000;
  document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
    var changes = 0, savedChanges = 0, timer = null, busy = false, again = false, pendingSubmit = null;
    var status = form.querySelector(".autosave-status");
    var version = form.querySelector("input[name=version]");
    function dirty() { return changes !== savedChanges; }
    function show(message, failed) {
      if (!status) { return; }
      status.textContent = message;
      status.classList.toggle("text-danger", !!failed);
      status.classList.toggle("text-muted", !failed);
    }
    function save() {
      clearTimeout(timer);
      timer = null;
      if (!dirty()) { return; }
      if (busy) { again = true; return; }  // one request at a time; the newest values go next
      busy = true;
      var sending = changes;
      show(form.dataset.msgSaving, false);
      fetch(form.dataset.autosaveUrl, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return {}; });  // e.g. an expired form's error page
      }).then(function (answer) {
        if (answer.saved) {
          savedChanges = sending;
          if (version) { version.value = answer.version; }
          show(answer.message, false);
        } else {
          show(answer.message || form.dataset.msgFailed, true);
        }
      }, function () {
        show(form.dataset.msgOffline, true);
      }).then(function () {
        busy = false;
        if (pendingSubmit) {  // Save was pressed meanwhile: send it now, with the version just received
          var button = pendingSubmit.button;
          pendingSubmit = null;
          form.requestSubmit(button);
        } else if (again) {
          again = false;
          save();
        }
      });
    }
    form.addEventListener("input", function () {
      changes += 1;
      if (form.dataset.autosaveUrl && !timer) { timer = setTimeout(save, AUTOSAVE_DELAY); }
    });
    if (form.dataset.autosaveUrl) {
      form.addEventListener("change", function () { changes += 1; save(); });  // a field was left changed
    }
    form.addEventListener("submit", function (event) {
      clearTimeout(timer);
      if (busy) { event.preventDefault(); pendingSubmit = { button: event.submitter }; again = false; return; }
      savedChanges = changes;
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty()) { event.preventDefault(); event.returnValue = form.dataset.unsavedWarning; }
    });
  });
})();

/* "Print" buttons (no inline script under the CSP). */
document.querySelectorAll(".print-page").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
