// Keeps the commune dashboard's headline figures current from the server-sent event stream
// (GET /commune/live). A plain script, loaded by the commune page only, rather than an island:
// every island lands in the one WASM file each citizen's phone downloads. Without it the page
// is complete and a reload refreshes it.
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
  source.onmessage = function (event) {
    var windows;
    try {
      windows = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    windows.forEach(function (w, i) {
      var row = table.querySelector('tr[data-window="' + i + '"]');
      if (!row) return;
      row.querySelector(".live-n").textContent = w.responses;
      row.querySelector(".live-share").textContent = w.satisfied;
      row.querySelector(".live-interval").textContent = w.interval;
    });
  };
})();
