// Keeps every figure of the commune dashboard current from the server-sent event stream
// (GET /commune/live). A plain script, loaded by the commune page only, rather than an island:
// every island lands in the one WASM file each citizen's phone downloads. Without it the page
// is complete and a reload refreshes it.
//
// Each figure on the page carries data-live-key, its path in the JSON the stream sends
// ("windows.2.figure.satisfied", "desks.0.rate"): the server writes the page and the updates
// from the same text, so an update shows exactly what a reload would.
(function () {
  "use strict";
  var table = document.querySelector("table.live[data-live-url]");
  if (!table || !window.EventSource) return;
  var source = new EventSource(table.getAttribute("data-live-url"));
  source.onopen = function () {
    table.setAttribute("data-live", "true");
  };
  source.onerror = function () {
    // The browser reconnects by itself; say so until it does.
    table.setAttribute("data-live", "false");
  };
  // The open count as the page was loaded; when an update changes it, the follow-up list (read
  // on load) is out of date, and the page says so with a reload button.
  var open = document.querySelector("[data-live-key='open_items']");
  var openOnLoad = open ? open.textContent.trim() : null;
  var notice = document.querySelector(".new-items");
  var reload = notice && notice.querySelector("button.reload");
  if (reload) {
    reload.addEventListener("click", function () {
      window.location.reload();
    });
  }
  function at(data, path) {
    return path.split(".").reduce(function (value, part) {
      return value == null ? undefined : value[part];
    }, data);
  }
  source.onmessage = function (event) {
    var figures;
    try {
      figures = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    var cells = document.querySelectorAll("[data-live-key]");
    Array.prototype.forEach.call(cells, function (cell) {
      var value = at(figures, cell.getAttribute("data-live-key"));
      if (typeof value === "string" || typeof value === "number") {
        cell.textContent = value;
      }
    });
    // A bar (a <meter>) shows a share: data-live-value-key names the figure ("55.6").
    var bars = document.querySelectorAll("[data-live-value-key]");
    Array.prototype.forEach.call(bars, function (bar) {
      var value = at(figures, bar.getAttribute("data-live-value-key"));
      if (typeof value === "string") bar.value = parseFloat(value);
    });
    if (notice && openOnLoad !== null && typeof figures.open_items === "string") {
      notice.hidden = figures.open_items === openOnLoad;
    }
    (figures.desks || []).forEach(function (desk) {
      var row = document.querySelector('tr[data-desk="' + desk.code + '"]');
      if (row) row.classList.toggle("data-problem", !!desk.data_problem);
    });
  };
})();
