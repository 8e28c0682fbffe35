/* Job progress: every [data-job-progress] box asks /api/jobs/ID how far its job got,
   moves its bar, and when the job ends fetches its page again (data-reload) to show
   what the job did. Kept apart from app.js. */
(function () {
  "use strict";
  var FINAL = ["done", "failed", "cancelled"];
  var EVERY = 700;

  function counts(job) {
    return job.done + " done" + (job.failed ? ", " + job.failed + " failed" : "") + " of " + job.total;
  }

  function followJobProgress(box) {
    if (FINAL.indexOf(box.dataset.state) >= 0) {
      return;
    }
    var bar = box.querySelector("[data-job-bar]");
    var state = box.querySelector("[data-job-state]");
    var text = box.querySelector("[data-job-counts]");
    var refresh = box.querySelector("[data-job-refresh]");
    var every = Number(box.dataset.every) || EVERY;
    if (refresh) {
      refresh.hidden = true;
    }
    function show(job) {
      bar.max = Math.max(job.total, 1);
      bar.value = job.total ? job.done + job.failed : job.state === "done" ? 1 : 0;
      state.textContent = job.state;
      state.className = "badge job-state job-state-" + job.state;
      text.textContent = counts(job);
      box.dataset.state = job.state;
    }
    function lost(message, link, linkText) {
      // Asking again would get the same answer: say why the bar stopped, and stop.
      var note = box.querySelector("[data-job-lost]");
      if (!note) {
        return; // a row of the jobs list: it stays as it was last seen
      }
      note.textContent = message + " ";
      if (link) {
        var a = document.createElement("a");
        a.href = link;
        a.textContent = linkText;
        note.appendChild(a);
      }
      note.hidden = false;
      if (refresh) {
        refresh.hidden = false;
      }
    }
    function look() {
      fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 401) {
            lost("Your sign-in has ended, so this page cannot follow the job.", box.dataset.login, "Sign in again");
            return null;
          }
          if (response.status === 403 || response.status === 404) {
            lost("This job can no longer be followed here (" + response.status + ").");
            return null;
          }
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.json();
        })
        .then(function (job) {
          if (job === null) {
            return;
          }
          show(job);
          if (FINAL.indexOf(job.state) < 0) {
            window.setTimeout(look, every);
          } else if (box.hasAttribute("data-reload")) {
            window.location.reload();
          }
        })
        .catch(function () {
          window.setTimeout(look, every * 4); // a server restarting: keep asking, slower
        });
    }
    window.setTimeout(look, every / 2);
  }

  document.querySelectorAll("[data-job-progress]").forEach(followJobProgress);
})();
