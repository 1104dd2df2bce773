// The kiosk's rating screen (/kiosk), on the desk's tablet.
//
// The server renders every step of the screen; this script shows one at a time, keeps each
// rating in a queue in localStorage and sends the queue one rating at a time to
// POST /kiosk/ratings. A rating leaves the queue only once the server stored it (2xx) or said it
// never can be (409, 410, 422); each carries the idempotency key it got when the citizen tapped,
// so a resend after a lost answer is stored once. Without this script the faces post the overall
// rating as a plain form.
//
// A plain script rather than a Leptos island: Leptos puts every island into the one WASM file that
// every page loads, the citizens' survey included (measured: +11.5 KB brotli on /q/{code}); this
// file is loaded by /kiosk alone. Written for the older browsers of cheap tablets (no modules,
// arrow functions or classes).
(function () {
  "use strict";

  // After a rating the faces ignore taps this long, as HappyOrNot terminals do.
  var LOCKOUT_MS = 5000;
  // How long the thank-you screen stays before the next citizen's faces.
  var THANKS_MS = 3000;
  // Follow-up questions left alone this long end the rating (the overall rating is kept).
  var IDLE_MS = 20000;
  // A rating whose follow-ups were never finished (the page was reloaded) is sent anyway then.
  var DRAFT_MAX_MS = 10 * 60000;
  // How often waiting ratings are retried, besides the browser's "online" event.
  var RETRY_MS = 10000;
  var STORAGE_KEY = "hailong.kiosk.queue";

  var screen = document.querySelector(".kiosk-screen");
  if (!screen) {
    return;
  }
  var desk = screen.getAttribute("data-desk");
  var overall = screen.getAttribute("data-overall");
  var lang = screen.getAttribute("data-lang") || "vi";
  var followUps = (screen.getAttribute("data-follow-ups") || "").split(",").filter(Boolean);

  var queue = load(); // [{key, sendAfter, rating}], oldest first
  var current = null; // the queued item whose follow-up questions are being answered
  var step = "rate"; // "rate", "follow-N" or "thanks"
  var locked = false;
  var sending = false;
  var activity = 0; // bumped at every step; a step's timer acts only if no step came since
  var retryAt = 0; // the server asked to wait until then
  var refused = null; // 401 (not enrolled) or 403 (revoked): the page has a message for each

  function load() {
    try {
      var items = JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(items)
        ? items.filter(function (i) {
            return i && typeof i.key === "string" && typeof i.sendAfter === "number" && i.rating;
          })
        : [];
    } catch (e) {
      return [];
    }
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(queue));
    } catch (e) {
      // Private mode or a full quota: the queue lives in memory until the page is closed.
    }
    render();
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      // Keys need only be unique, not secret.
      for (var i = 0; i < bytes.length; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    var hex = "";
    for (var j = 0; j < bytes.length; j++) {
      hex += (bytes[j] < 16 ? "0" : "") + bytes[j].toString(16);
    }
    return hex;
  }

  function setFlag(element, name, on) {
    if (on) {
      element.setAttribute(name, "");
    } else {
      element.removeAttribute(name);
    }
  }

  function render() {
    var steps = screen.querySelectorAll(".kiosk-step");
    for (var i = 0; i < steps.length; i++) {
      setFlag(steps[i], "hidden", steps[i].getAttribute("data-step") !== step);
    }
    setFlag(screen, "data-locked", locked);
    var waiting = screen.querySelector(".kiosk-queue");
    waiting.setAttribute("data-pending", String(queue.length));
    waiting.textContent = queue.length > 0
      ? queue.length + " " + waiting.getAttribute("data-waiting")
      : "";
    var notices = screen.querySelectorAll(".kiosk-notice");
    for (var n = 0; n < notices.length; n++) {
      setFlag(notices[n], "hidden", notices[n].getAttribute("data-status") !== String(refused));
    }
  }

  // Shows a step and starts its timer: the thanks give way to the next citizen, follow-up
  // questions left alone end the rating.
  function go(next) {
    step = next;
    var at = ++activity;
    render();
    setTimeout(function () {
      if (activity !== at) {
        return;
      }
      if (step === "thanks") {
        step = "rate";
        render();
      } else if (step.indexOf("follow-") === 0) {
        finish();
      }
    }, step === "thanks" ? THANKS_MS : IDLE_MS);
  }

  // A tap on a big face: the rating is queued at once, so it counts even if the citizen walks
  // away from the follow-up questions.
  function rate(level) {
    if (locked || step !== "rate") {
      return;
    }
    var now = Date.now();
    var key = newKey();
    current = {
      key: key,
      sendAfter: followUps.length > 0 ? now + DRAFT_MAX_MS : 0,
      rating: { key: key, desk: desk, rated_at: now, lang: lang, answers: [[overall, level]] }
    };
    queue.push(current);
    locked = true;
    save();
    setTimeout(function () {
      locked = false;
      render();
    }, LOCKOUT_MS);
    if (followUps.length > 0) {
      go("follow-0");
    } else {
      finish();
    }
  }

  function followUpIndex() {
    return step.indexOf("follow-") === 0 ? parseInt(step.slice(7), 10) : -1;
  }

  function answer(level) {
    var n = followUpIndex();
    if (n < 0 || !current) {
      return;
    }
    var question = followUps[n];
    current.rating.answers = current.rating.answers.filter(function (a) {
      return a[0] !== question;
    });
    current.rating.answers.push([question, level]);
    save();
    skip();
  }

  function skip() {
    var n = followUpIndex();
    if (n < 0) {
      return;
    }
    if (n + 1 < followUps.length) {
      go("follow-" + (n + 1));
    } else {
      finish();
    }
  }

  function finish() {
    if (current) {
      current.sendAfter = 0;
      current = null;
      save();
    }
    go("thanks");
    flush();
  }

  // Sends the oldest ready rating, then the next, one at a time.
  function flush() {
    var now = Date.now();
    if (sending || now < retryAt) {
      return;
    }
    var item = null;
    for (var i = 0; i < queue.length; i++) {
      if (queue[i].sendAfter <= now) {
        item = queue[i];
        break;
      }
    }
    if (!item) {
      return;
    }
    sending = true;
    var body = JSON.stringify(item.rating);
    fetch("/kiosk/ratings", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body,
      credentials: "same-origin"
    }).then(function (response) {
      sending = false;
      var status = response.status;
      if ((status >= 200 && status < 300) || status === 409 || status === 410 || status === 422) {
        queue = queue.filter(function (q) {
          return q.key !== item.key;
        });
        refused = null;
        save();
        flush();
      } else if (status === 401 || status === 403) {
        // The page holds a message for each; the server's own says which 403 this is (revoked,
        // or waiting for the province's approval).
        refused = status;
        render();
        response.json().then(function (answer) {
          var notice = screen.querySelector('.kiosk-notice[data-status="' + status + '"]');
          if (notice && answer && typeof answer.message === "string") {
            notice.textContent = answer.message;
          }
        }, function () {});
      } else if (status === 429) {
        var wait = parseInt(response.headers.get("retry-after"), 10);
        retryAt = Date.now() + (isNaN(wait) ? 30 : wait) * 1000;
      }
      // Any other answer (a server failure): the timer tries again.
    }, function () {
      // Offline: the timer and the "online" event try again.
      sending = false;
    });
  }

  screen.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-kind]") : null;
    if (!button) {
      return;
    }
    // The faces of the first step are submit buttons, for browsers without this script.
    event.preventDefault();
    var kind = button.getAttribute("data-kind");
    var level = parseInt(button.value, 10);
    if (kind === "rate" && level >= 1 && level <= 5) {
      rate(level);
    } else if (kind === "answer" && level >= 1 && level <= 5) {
      answer(level);
    } else if (kind === "skip") {
      skip();
    } else if (kind === "done") {
      finish();
    }
  });
  window.addEventListener("online", function () {
    retryAt = 0;
    flush();
  });
  setInterval(flush, RETRY_MS);
  // The thanks after a rating posted without this script (before it loaded) was for that citizen.
  setTimeout(function () {
    var thanks = screen.querySelector(".kiosk-plain-thanks");
    if (thanks) {
      thanks.setAttribute("hidden", "");
    }
  }, THANKS_MS);
  render();
  flush();
  document.body.setAttribute("data-kiosk", "ready");
})();
