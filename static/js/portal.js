// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Bring the error summary into view and focus, so keyboard and screen-reader
  // users hear what went wrong first.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  // Warn two minutes before the idle timeout and offer to stay signed in.
  function idleWarning() {
    var body = document.body;
    var timeout = parseInt(body.getAttribute("data-idle-timeout"), 10);
    var warnBefore = parseInt(body.getAttribute("data-idle-warning"), 10);
    var statusUrl = body.getAttribute("data-session-status-url");
    var dialog = document.getElementById("idle-warning");
    if (!timeout || !dialog) { return; }
    var form = dialog.querySelector("form[data-keep-alive]");
    var countdown = dialog.querySelector("[data-idle-countdown]");
    var deadline = Date.now() + timeout * 1000;
    var timer = null;
    var returnFocus = null;

    function describe(seconds) {
      if (seconds >= 60) {
        var minutes = Math.ceil(seconds / 60);
        return minutes + (minutes === 1 ? " minute" : " minutes");
      }
      return seconds + (seconds === 1 ? " second" : " seconds");
    }

    function show(secondsLeft) {
      countdown.textContent = describe(secondsLeft);
      if (dialog.hidden) {
        returnFocus = document.activeElement;
        dialog.hidden = false;
        dialog.querySelector("button").focus();
      }
    }

    function hide() {
      dialog.hidden = true;
      if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
    }

    function tick() {
      var secondsLeft = Math.round((deadline - Date.now()) / 1000);
      if (secondsLeft <= 0) {
        window.location.reload();
        return;
      }
      if (secondsLeft <= warnBefore) {
        // Another tab may have kept the session alive: ask the server first.
        fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { remaining: 0 }; })
          .then(function (data) {
            deadline = Date.now() + data.remaining * 1000;
            if (data.remaining > warnBefore) { hide(); } else { show(data.remaining); }
          })
          .catch(function () { show(secondsLeft); });
      }
      timer = window.setTimeout(tick, secondsLeft <= warnBefore + 5 ? 1000 : 5000);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": data.get("csrf_token") },
        body: data
      }).then(function (response) {
        if (!response.ok) { window.location.reload(); return null; }
        return response.json();
      }).then(function (result) {
        if (result) {
          deadline = Date.now() + result.remaining * 1000;
          hide();
        }
      }).catch(function () { form.submit(); });
    });

    timer = window.setTimeout(tick, 5000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    idleWarning();
  });
})();
