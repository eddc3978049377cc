/* dockyard UI: small progressive enhancements, no framework and no build step.
 *
 * Server data is only ever put into the page with textContent / setAttribute; the one innerHTML
 * assignment takes the step-timeline fragment the server rendered (and escaped) itself.
 */
(function () {
  "use strict";

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
  }

  function formatTime(ts) {
    var d = new Date(ts * 1000);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1, 2) + "-" + pad(d.getDate(), 2) + " " +
      pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2);
  }

  function isSafeHref(href) {
    return /^https?:\/\//i.test(href) || (href.charAt(0) === "/" && href.charAt(1) !== "/");
  }

  /* -- filters and selection --------------------------------------------------------------- */
  all("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  all("input[data-filter-table]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) return;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      all("tbody tr[data-key]", table).forEach(function (row) {
        row.hidden = q !== "" && row.getAttribute("data-key").toLowerCase().indexOf(q) === -1;
      });
    });
  });

  var launchForm = document.getElementById("launch-form");
  if (launchForm) {
    var counter = launchForm.querySelector("[data-selected-count]");
    var boxes = all("input[name=assets]", launchForm);
    var updateCount = function () {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      if (counter) counter.textContent = n ? n + " selected" : "";
    };
    boxes.forEach(function (b) { b.addEventListener("change", updateCount); });
    var selectAll = launchForm.querySelector("input[data-select-all]");
    if (selectAll) {
      selectAll.addEventListener("change", function () {
        boxes.forEach(function (b) {
          if (!b.closest("tr").hidden) b.checked = selectAll.checked;
        });
        updateCount();
      });
    }
    launchForm.addEventListener("submit", function (event) {
      if (!boxes.some(function (b) { return b.checked; })) {
        event.preventDefault();
        if (counter) counter.textContent = "select at least one asset";
      }
    });
  }

  /* -- the run page: poll the API while the run goes on ------------------------------------- */
  var root = document.getElementById("run-root");
  if (!root || root.getAttribute("data-finished") === "1") return;

  var runId = root.getAttribute("data-run-id");
  var cursor = parseInt(root.getAttribute("data-cursor") || "0", 10);
  var eventBody = document.querySelector("#event-log tbody");
  var eventCount = document.getElementById("event-count");
  var timeline = document.getElementById("timeline");
  var POLL_MS = 600;

  function metadataList(entries) {
    var dl = el("dl", "meta");
    entries.forEach(function (entry) {
      dl.appendChild(el("dt", null, entry.label));
      var dd = el("dd", "kind-" + entry.kind);
      if (entry.href && isSafeHref(entry.href)) {
        var a = el("a", null, entry.text);
        a.setAttribute("href", entry.href);
        if (entry.kind === "url") { a.setAttribute("rel", "noopener noreferrer"); a.setAttribute("target", "_blank"); }
        dd.appendChild(a);
      } else if (entry.kind === "path") {
        dd.appendChild(el("code", "path", entry.text));
      } else if (entry.kind === "json" || entry.kind === "md") {
        dd.appendChild(el("pre", "meta-pre", entry.text));
      } else {
        dd.appendChild(el("span", "meta-" + entry.kind, entry.text));
      }
      dl.appendChild(dd);
    });
    return dl;
  }

  function appendEvent(event) {
    if (!eventBody || eventBody.querySelector('tr[data-id="' + event.id + '"]')) return;
    var row = el("tr", "event type-" + String(event.type).toLowerCase());
    row.setAttribute("data-id", event.id);
    row.appendChild(el("td", "nowrap", formatTime(event.timestamp)));
    var type = el("td");
    type.appendChild(el("span", "etype", event.type));
    row.appendChild(type);
    row.appendChild(el("td", null, event.step_key || ""));
    var message = el("td", null, event.message);
    if (event.metadata && event.metadata.length) message.appendChild(metadataList(event.metadata));
    row.appendChild(message);
    eventBody.appendChild(row);
    if (eventCount) eventCount.textContent = String(eventBody.rows.length);
  }

  function showStatus(status) {
    var badge = document.querySelector("#run-status .badge");
    if (!badge) return;
    badge.textContent = status.toLowerCase();
    badge.className = "badge status-" + status.toLowerCase();
  }

  function showProgress(progress) {
    if (!progress) return;
    var bar = document.getElementById("run-progress");
    var text = document.getElementById("run-progress-text");
    if (bar && progress.total_steps) {
      bar.max = progress.total_steps;
      bar.value = progress.finished_steps;
    }
    if (text && progress.total_steps) {
      var line = progress.finished_steps + "/" + progress.total_steps + " steps";
      if (progress.running_steps.length) line += " · running " + progress.running_steps.join(", ");
      text.textContent = line;
    }
  }

  function refreshTimeline() {
    if (!timeline) return;
    fetch(timeline.getAttribute("data-src"), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) timeline.innerHTML = html; })
      .catch(function () {});
  }

  function poll() {
    fetch("/api/runs/" + encodeURIComponent(runId) + "/events?after=" + cursor, { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (data) {
        data.events.forEach(appendEvent);
        cursor = data.cursor;
        showStatus(data.run.status);
        showProgress(data.progress);
        refreshTimeline();
        if (data.run.is_finished) {
          // the final page (timeline, errors) is rendered by the server
          window.setTimeout(function () { window.location.reload(); }, 300);
        } else {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }

  window.setTimeout(poll, 200);
})();
