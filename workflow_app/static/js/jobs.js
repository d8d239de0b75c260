// The job page: poll the job's status while it runs, move the progress bar, and reload the page
// once it has finished (the page then shows the download link or the error). No inline script (CSP);
// without JavaScript the page refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  var section = document.getElementById("job");
  if (!section || section.dataset.state === "done" || section.dataset.state === "failed") { return; }
  var bar = document.getElementById("job-progress");
  var done = document.getElementById("job-done");
  var total = document.getElementById("job-total");
  var delay = 1000;

  function poll() {
    fetch(section.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (status) {
        bar.value = status.percent;
        bar.textContent = status.percent + "%";
        done.textContent = status.done.toLocaleString();
        total.textContent = status.total.toLocaleString();
        if (status.finished) {
          window.location.reload();
          return;
        }
        delay = Math.min(delay * 1.2, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
}());
