// A background import's page: updates "rows done of rows total" without a reload, and
// reloads once the import has ended so the page shows its result. Without JavaScript
// the page shows the same figures on each reload.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var status = document.querySelector("[data-progress-status]");

  function poll() {
    window
      .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("progress: " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        bar.max = Math.max(progress.rows_total, 1);
        bar.value = progress.rows_done;
        text.textContent = progress.text;
        if (status && progress.status === "running") {
          status.textContent = "Importing.";
        }
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
