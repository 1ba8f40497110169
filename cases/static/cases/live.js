// Live inbox (docs/live.md): subscribes to the town streams of the user's towns (or the bureau
// stream) on /ws/live/, and when an event frame names a case, re-fetches the rows with htmx, so a
// new case appears without a reload. The largest event id seen is sent as last_event_id when the
// socket reconnects, so nothing is missed. The cue is polite (aria-live) and takes no focus.
(function () {
  "use strict";
  var rows = document.getElementById("inbox-rows");
  if (!rows || !window.WebSocket) { return; }
  var cue = document.getElementById("live-cue");
  var cueText = document.getElementById("live-cue-text");
  var towns = (rows.getAttribute("data-towns") || "").split(",").filter(Boolean).map(Number);
  var bureau = rows.getAttribute("data-bureau") === "1";
  var lastId = null;
  var delay = 1000;

  function showCue(reference) {
    var row = rows.querySelector('tr[data-reference="' + CSS.escape(reference) + '"]');
    if (row) { row.classList.add("fresh"); }
    if (cue) {
      cue.textContent = (cueText ? cueText.content.textContent : "") + " " + reference;
      cue.hidden = false;
    }
  }

  function refresh(reference) {
    if (!window.htmx) { return; }
    window.htmx.ajax("GET", rows.getAttribute("data-rows-url"), { target: rows, swap: "innerHTML" })
      .then(function () { showCue(reference); });
  }

  function subscribe(socket, frame) {
    if (lastId !== null) { frame.last_event_id = lastId; }
    socket.send(JSON.stringify(frame));
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + rows.getAttribute("data-live-url"));
    socket.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      if (frame.type === "hello") {
        delay = 1000;
        if (bureau) { subscribe(socket, { type: "subscribe", stream: "bureau" }); }
        towns.forEach(function (town) { subscribe(socket, { type: "subscribe", stream: "town", town: town }); });
      } else if (frame.type === "subscribed") {
        document.body.setAttribute("data-live", "open");
      } else if (frame.type === "event") {
        if (typeof frame.id === "number" && (lastId === null || frame.id > lastId)) { lastId = frame.id; }
        if (frame.case) { refresh(String(frame.case)); }
      }
    };
    socket.onclose = function () {
      document.body.setAttribute("data-live", "closed");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
