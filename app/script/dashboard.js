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
  // The open count the follow-up list was read at; when an update changes it, the list is
  // fetched again from the page itself (the server writes it, so it matches a reload) and put
  // in place, new items marked. While the leader is writing a note in the list, or when the
  // fetch fails, the page says the list is out of date instead, with a reload button.
  var open = document.querySelector("[data-live-key='open_items']");
  var openOnLoad = open ? open.textContent.trim() : null;
  var notice = document.querySelector(".new-items");
  var fetching = false;
  function busyInList(list) {
    if (list.contains(document.activeElement) && document.activeElement !== list) return true;
    return Array.prototype.some.call(list.querySelectorAll("input"), function (input) {
      return input.value !== input.defaultValue;
    });
  }
  function refreshList(count) {
    var list = document.querySelector("ul.feedback");
    var heading = document.getElementById("theo-doi");
    if (!list || !window.fetch || !window.DOMParser || busyInList(list)) {
      notice.hidden = false;
      return;
    }
    fetching = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("ul.feedback");
        var freshHeading = page.getElementById("theo-doi");
        if (!fresh || busyInList(list)) throw new Error("list not replaced");
        var known = {};
        Array.prototype.forEach.call(list.querySelectorAll("li[id]"), function (item) {
          known[item.id] = true;
        });
        Array.prototype.forEach.call(fresh.querySelectorAll("li[id]"), function (item) {
          if (!known[item.id]) item.classList.add("new");
        });
        list.replaceChildren.apply(list, Array.prototype.slice.call(fresh.childNodes));
        if (heading && freshHeading) heading.textContent = freshHeading.textContent;
        openOnLoad = count;
        notice.hidden = true;
      })
      .catch(function () {
        notice.hidden = false;
      })
      .then(function () {
        fetching = false;
      });
  }
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
      if (figures.open_items === openOnLoad) {
        notice.hidden = true;
      } else if (!fetching) {
        refreshList(figures.open_items);
      }
    }
    (figures.desks || []).forEach(function (desk) {
      var row = document.querySelector('tr[data-desk="' + desk.code + '"]');
      if (row) row.classList.toggle("data-problem", !!desk.data_problem);
    });
  };
})();
