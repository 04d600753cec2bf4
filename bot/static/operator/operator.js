// Live operator pages: a Server-Sent Events stream says *that* something changed, and the
// page fetches the fresh server-rendered fragment (the database is the source of truth).
(function () {
  "use strict";

  var streams = [];

  function follow(container, onEvent) {
    var source = new EventSource(container.dataset.streamUrl);
    source.onmessage = function (event) { onEvent(JSON.parse(event.data)); };
    streams.push(source);
  }

  function refresh(container) {
    return fetch(container.dataset.refreshUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) { container.innerHTML = html; });
  }

  // Queue: refresh on every queue event; tick the waiting times of waiting rows.
  var queue = document.getElementById("queue");
  if (queue) {
    follow(queue, function () { refresh(queue); });
    setInterval(function () {
      queue.querySelectorAll(".waited[data-ticking=yes]").forEach(function (cell) {
        var seconds = Number(cell.dataset.seconds) + 30;
        cell.dataset.seconds = seconds;
        cell.textContent = Math.floor(seconds / 60) + " 分钟";
      });
    }, 30000);
  }

  // Conversation: new lines refresh the transcript; a state change reloads the page
  // unless the operator is typing a reply, who is told to reload instead.
  var transcript = document.getElementById("transcript");
  if (transcript) {
    var scrollDown = function () {
      var lines = transcript.querySelector(".lines");
      if (lines) { lines.scrollTop = lines.scrollHeight; }
    };
    scrollDown();
    follow(transcript, function (event) {
      if (event.type === "handoff") {
        var draft = document.getElementById("reply-text");
        if (draft && draft.value.trim()) {
          var note = document.getElementById("stale-note") || document.createElement("p");
          note.id = "stale-note";
          note.className = "stale";
          note.textContent = "会话状态已变化，请发送或复制草稿后刷新页面。";
          transcript.after(note);
        } else {
          window.location.reload();
        }
        return;
      }
      refresh(transcript).then(scrollDown);
    });
  }

  // A double click must not send a reply twice. A submitted form leaves the page: the
  // page stops following its streams, or the event of the operator's own action would
  // reload or refetch it mid-navigation, and that request's session cookie would swallow
  // the action's status line or keep an older one for the next page (备注已保存 beside 已办结).
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      streams.forEach(function (source) { source.close(); });
    });
  });

  var canned = document.getElementById("canned");
  if (canned) {
    canned.addEventListener("change", function () {
      var box = document.getElementById("reply-text");
      if (canned.value) { box.value = (box.value ? box.value + "\n" : "") + canned.value; box.focus(); }
      canned.value = "";
    });
  }
})();
