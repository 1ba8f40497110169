// Live inbox: listens to the /ws/live/ stream and re-fetches the rows with htmx when a case
// changes, so a new case appears without a reload. Frames are JSON with an event id, a type, the
// case reference and its new state (docs/live.md); the last id seen is sent on reconnect so
// nothing is missed. The cue is polite (aria-live) and does not move the focus.
(function () {
  "use strict";
  var rows = document.getElementById("inbox-rows");
  if (!rows || !window.WebSocket) { return; }
  var cue = document.getElementById("live-cue");
  var cueText = document.getElementById("live-cue-text");
  var lastId = null;
  var delay = 1000;

  function field(frame, names) {
    for (var i = 0; i < names.length; i++) {
      if (frame[names[i]] !== undefined && frame[names[i]] !== null) { return frame[names[i]]; }
    }
    return null;
  }

  function refresh(reference) {
    var url = rows.getAttribute("data-rows-url");
    var done = function () {
      var row = reference && rows.querySelector('tr[data-reference="' + CSS.escape(reference) + '"]');
      if (row) { row.classList.add("fresh"); }
      if (cue && reference) {
        cue.textContent = (cueText ? cueText.content.textContent : "") + " " + reference;
        cue.hidden = false;
      }
    };
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: rows, swap: "innerHTML" }).then(done);
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + location.host + rows.getAttribute("data-live-url");
    if (lastId !== null) { url += "?after=" + encodeURIComponent(lastId); }
    var socket = new WebSocket(url);
    socket.onopen = function () { delay = 1000; document.body.setAttribute("data-live", "open"); };
    socket.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      var id = field(frame, ["id", "event_id", "event"]);
      if (id !== null) { lastId = id; }
      var reference = field(frame, ["reference", "case", "case_reference"]);
      if (reference) { refresh(String(reference)); }
    };
    socket.onclose = function () {
      document.body.setAttribute("data-live", "closed");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
