// Staff console: live queue, live conversation thread, reply templates. No inline scripts (CSP).
(function () {
  "use strict";
  var POLL_MS = 3000;
  var page = document.body.getAttribute("data-page");

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function refreshQueue() {
    var body = document.getElementById("queue-body");
    if (!body) { return; }
    getJson("/staff/api/queue").then(function (data) {
      if (!data) { return; }
      var minutes = body.getAttribute("data-minutes");
      var openLabel = body.getAttribute("data-open");
      var defaultLabel = body.getAttribute("data-default");
      while (body.firstChild) { body.removeChild(body.firstChild); }
      data.handoffs.forEach(function (h) {
        var row = document.createElement("tr");
        row.setAttribute("data-id", String(h.id));
        cell(row, String(h.id));
        cell(row, h.station || defaultLabel);
        cell(row, h.channel);
        cell(row, Math.floor(h.waiting_seconds / 60) + " " + minutes);
        cell(row, String(h.farmer_messages));
        cell(row, h.preview).className = "preview";
        cell(row, h.assigned || "");
        var link = document.createElement("a");
        link.href = "/staff/handoffs/" + h.id;
        link.textContent = openLabel;
        cell(row, "").appendChild(link);
        body.appendChild(row);
      });
      document.getElementById("queue-count").textContent = String(data.count);
      document.getElementById("queue-empty").hidden = data.count > 0;
    });
  }

  function refreshThread() {
    var thread = document.getElementById("thread");
    if (!thread) { return; }
    var id = thread.getAttribute("data-handoff");
    var last = thread.getAttribute("data-last") || "0";
    getJson("/staff/api/handoffs/" + id + "/messages?after=" + last).then(function (data) {
      if (!data) { return; }
      data.messages.forEach(function (m) {
        var item = document.createElement("li");
        item.className = "msg " + m.direction;
        item.setAttribute("data-id", String(m.id));
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = (thread.getAttribute("data-label-" + m.direction) || m.direction) +
          (m.staff_name ? " · " + m.staff_name : "");
        item.appendChild(meta);
        if (m.media_type) {
          var media = document.createElement("span");
          media.className = "media";
          media.textContent = "[" + thread.getAttribute("data-label-media") + ": " + m.media_type + "]";
          item.appendChild(media);
        }
        if (m.text) {
          var text = document.createElement("span");
          text.className = "text";
          text.textContent = m.text;
          item.appendChild(text);
        }
        thread.appendChild(item);
        thread.setAttribute("data-last", String(m.id));
      });
    });
  }

  var select = document.getElementById("template-select");
  if (select) {
    select.addEventListener("change", function () {
      var box = document.getElementById("reply-text");
      if (select.value && box) { box.value = select.value; box.focus(); }
    });
  }
  if (page === "queue") { window.setInterval(refreshQueue, POLL_MS); }
  if (page === "handoff") { window.setInterval(refreshThread, POLL_MS); }
})();
