// Citizen chat page: sends questions to /api/v1/chat, renders answers with their source
// cards, and follows the transcript live (Server-Sent Events, falling back to polling).
"use strict";

(function () {
  const API = "/api/v1/chat";
  const SESSION_KEY = "wenzheng.session";
  const ELDERLY_KEY = "wenzheng.elderly";
  const POLL_MS = 4000;
  const ROLE_NAMES = { bot: "智能客服", operator: "人工客服", system: "系统提示", user: "我" };
  const HANDOFF_TEXT = {
    waiting: "排队中：正在为您转接人工客服，请稍候……",
    active: "人工客服已接入，正在为您服务",
    resolved: "人工服务已结束，您可以继续向智能客服提问",
  };

  const el = (id) => document.getElementById(id);
  const log = el("log");
  const form = el("composer");
  const input = el("composer-input");
  const sendButton = el("send-button");
  const counter = el("char-count");
  const statusLine = el("handoff-status");
  const typing = el("typing");
  const errorLine = el("error");
  const maxChars = Number(input.dataset.maxChars);

  // localStorage may be disabled (private browsing): the page then works without memory.
  const storage = {
    get(key) {
      try { return localStorage.getItem(key); } catch (e) { return null; }
    },
    set(key, value) {
      try { localStorage.setItem(key, value); } catch (e) { /* not remembered */ }
    },
    remove(key) {
      try { localStorage.removeItem(key); } catch (e) { /* nothing to forget */ }
    },
  };

  const state = {
    sessionId: storage.get(SESSION_KEY),
    lastId: 0,
    seen: new Set(),
    pending: null, // the optimistic bubble of the line being sent
    handoff: { state: "none", rated: false },
    stream: null,
    pollTimer: null,
  };

  // ------------------------------------------------------------------ rendering

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  // Text with its [n] markers turned into links to the n-th source card of the message.
  function renderText(text, citations, messageId) {
    const p = make("p");
    const known = new Set(citations.map((c) => String(c.n)));
    const parts = text.split(/(\[\d+\])/);
    for (const part of parts) {
      const marker = /^\[(\d+)\]$/.exec(part);
      if (marker && known.has(marker[1])) {
        const link = make("a", "cite-marker", part);
        link.href = `#source-${messageId}-${marker[1]}`;
        link.setAttribute("aria-label", `查看出处 ${marker[1]}`);
        link.addEventListener("click", (event) => {
          event.preventDefault();
          openSource(`source-${messageId}-${marker[1]}`);
        });
        p.appendChild(link);
      } else if (part) {
        p.appendChild(document.createTextNode(part));
      }
    }
    return p;
  }

  function openSource(id) {
    const card = el(id);
    if (!card) return;
    card.open = true;
    card.scrollIntoView({ block: "nearest" });
    card.querySelector("summary").focus();
    card.classList.add("flash");
    setTimeout(() => card.classList.remove("flash"), 1500);
  }

  function renderSources(citations, messageId) {
    const box = make("div", "sources");
    box.appendChild(make("p", "sources-title", "政策出处（点击展开）："));
    for (const c of citations) {
      const card = make("details", "source");
      card.id = `source-${messageId}-${c.n}`;
      const heading = [c.title, c.locator].filter(Boolean).join(" · ");
      card.appendChild(make("summary", null, `[${c.n}] ${heading}`));
      const detail = make("div", "detail");
      if (c.version) detail.appendChild(make("p", null, `版本/日期：${c.version}`));
      if (c.snippet) detail.appendChild(make("p", "snippet", `原文摘录：${c.snippet}`));
      const url = safeUrl(c.url || "");
      if (url) {
        const link = make("a", null, "查看官方原文");
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        detail.appendChild(link);
      }
      card.appendChild(detail);
      box.appendChild(card);
    }
    return box;
  }

  function renderButtons(buttons, used) {
    const box = make("div", "buttons");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "可选操作");
    for (const b of buttons) {
      const button = make("button", null, b.title);
      button.type = "button";
      button.dataset.payload = b.payload;
      button.disabled = used;
      button.addEventListener("click", () => {
        for (const sibling of box.querySelectorAll("button")) sibling.disabled = true;
        button.setAttribute("aria-pressed", "true");
        send(b.payload, b.title);
      });
      box.appendChild(button);
    }
    return box;
  }

  function renderMessage(message, buttonsUsed) {
    const node = make("div", `message ${message.role}`);
    node.dataset.id = message.id;
    if (message.role !== "user") node.appendChild(make("span", "who", ROLE_NAMES[message.role] || ""));
    const bubble = make("div", "bubble");
    bubble.appendChild(renderText(message.text, message.citations, message.id));
    if (message.citations.length) bubble.appendChild(renderSources(message.citations, message.id));
    if (message.buttons.length) bubble.appendChild(renderButtons(message.buttons, buttonsUsed));
    node.appendChild(bubble);
    return node;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function isRating(payload) {
    return payload.startsWith("/rate");
  }

  // Adds transcript lines not shown yet. ``history`` marks buttons already answered.
  function addMessages(messages, history) {
    for (const [index, message] of messages.entries()) {
      if (state.seen.has(message.id)) continue;
      if (message.role === "user" && state.pending) continue; // the send will place it
      const later = messages.slice(index + 1);
      const used = history && later.some((m) => m.role === "user");
      state.seen.add(message.id);
      state.lastId = Math.max(state.lastId, message.id);
      const node = renderMessage(message, used);
      if (state.handoff.rated) disableRatingButtons(node);
      log.appendChild(node);
    }
    scrollToEnd();
  }

  // Rated: the stars cannot be pressed again, and the score given stays marked.
  function disableRatingButtons(root) {
    const chosen = `/rate{"score": ${state.handoff.rating}}`;
    for (const button of root.querySelectorAll("button[data-payload]")) {
      if (!isRating(button.dataset.payload)) continue;
      button.disabled = true;
      if (button.dataset.payload === chosen) button.setAttribute("aria-pressed", "true");
    }
  }

  function showHandoff(handoff) {
    state.handoff = handoff;
    const text = HANDOFF_TEXT[handoff.state];
    statusLine.hidden = !text;
    statusLine.textContent = text || "";
    statusLine.dataset.state = handoff.state;
    if (handoff.rated) disableRatingButtons(log);
  }

  function showError(text) {
    errorLine.textContent = text;
    errorLine.hidden = !text;
  }

  // ------------------------------------------------------------------ sending

  async function postChat(text) {
    const body = { text };
    if (state.sessionId) body.session_id = state.sessionId;
    const response = await fetch(API, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    return { response, data };
  }

  async function send(text, shownAs) {
    if (state.pending) return;
    showError("");
    const bubble = renderMessage(
      { id: "pending", role: "user", text: shownAs || text, citations: [], buttons: [] }, false);
    bubble.classList.add("pending");
    log.appendChild(bubble);
    scrollToEnd();
    state.pending = bubble;
    typing.hidden = false;
    sendButton.disabled = true;
    try {
      let { response, data } = await postChat(text);
      if (response.status === 404 && state.sessionId) {
        // The conversation is gone (database reset): start a new one with this line.
        forgetSession();
        ({ response, data } = await postChat(text));
      }
      if (!response.ok) {
        bubble.remove();
        if (!shownAs) input.value = text;
        showError(data.message || "发送失败，请稍后再试。");
        return;
      }
      bubble.classList.remove("pending");
      bubble.dataset.id = data.user_message.id;
      state.seen.add(data.user_message.id);
      state.lastId = Math.max(state.lastId, data.user_message.id);
      state.pending = null;
      addMessages(data.messages, false);
      showHandoff(data.handoff);
      if (data.session_id !== state.sessionId) {
        state.sessionId = data.session_id;
        storage.set(SESSION_KEY, data.session_id);
        follow();
      }
    } catch (e) {
      bubble.remove();
      if (!shownAs) input.value = text;
      showError("网络连接失败，请检查网络后重试。");
    } finally {
      state.pending = null;
      typing.hidden = true;
      updateCounter();
    }
  }

  // ------------------------------------------------------------------ live updates

  function follow() {
    stopFollowing();
    if (!state.sessionId) return;
    if (!window.EventSource) {
      startPolling();
      return;
    }
    const url = `${API}/${encodeURIComponent(state.sessionId)}/stream?after=${state.lastId}`;
    const stream = new EventSource(url);
    stream.addEventListener("message", (event) => addMessages([JSON.parse(event.data)], false));
    stream.addEventListener("handoff", (event) => showHandoff(JSON.parse(event.data)));
    stream.onerror = () => {
      // The browser retries by itself; once it gives up, poll instead.
      if (stream.readyState === EventSource.CLOSED) startPolling();
    };
    state.stream = stream;
  }

  function startPolling() {
    stopFollowing();
    state.pollTimer = setInterval(poll, POLL_MS);
  }

  function stopFollowing() {
    if (state.stream) state.stream.close();
    if (state.pollTimer) clearInterval(state.pollTimer);
    state.stream = null;
    state.pollTimer = null;
  }

  async function poll() {
    if (!state.sessionId || state.pending) return;
    try {
      const response = await fetch(
        `${API}/${encodeURIComponent(state.sessionId)}/messages?after=${state.lastId}`);
      if (!response.ok) return;
      const data = await response.json();
      addMessages(data.messages, false);
      showHandoff(data.handoff);
    } catch (e) {
      // Offline for a moment: the next poll catches up from the transcript.
    }
  }

  async function loadHistory() {
    if (!state.sessionId) return;
    try {
      const response = await fetch(`${API}/${encodeURIComponent(state.sessionId)}/messages`);
      if (response.status === 404) {
        forgetSession();
        return;
      }
      const data = await response.json();
      showHandoff(data.handoff);
      addMessages(data.messages, true);
    } catch (e) {
      showError("历史对话加载失败，请检查网络后刷新页面。");
    }
    follow();
  }

  function forgetSession() {
    stopFollowing();
    state.sessionId = null;
    state.lastId = 0;
    state.seen.clear();
    storage.remove(SESSION_KEY);
  }

  // ------------------------------------------------------------------ controls

  function updateCounter() {
    const length = input.value.trim().length;
    counter.textContent = `${input.value.length}/${maxChars}`;
    counter.classList.toggle("near", input.value.length >= maxChars * 0.8);
    counter.classList.toggle("over", input.value.length > maxChars);
    sendButton.disabled = Boolean(state.pending) || length === 0 || input.value.length > maxChars;
  }

  function submit() {
    const text = input.value.trim();
    if (!text) {
      showError("请输入您的问题。");
      return;
    }
    input.value = "";
    updateCounter();
    send(text);
  }

  function applyElderly(on) {
    document.documentElement.classList.toggle("elderly", on);
    el("elderly-toggle").setAttribute("aria-pressed", String(on));
    for (const node of document.querySelectorAll("[data-elderly-text]")) {
      if (node.dataset.standardText === undefined) node.dataset.standardText = node.textContent;
      node.textContent = on ? node.dataset.elderlyText : node.dataset.standardText;
    }
    if (input.dataset.standardPlaceholder === undefined) {
      input.dataset.standardPlaceholder = input.placeholder;
    }
    input.placeholder = on ? input.dataset.elderlyPlaceholder : input.dataset.standardPlaceholder;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", updateCounter);
  el("human-button").addEventListener("click", () => send("/request_human", "转人工"));
  el("elderly-toggle").addEventListener("click", () => {
    const on = !document.documentElement.classList.contains("elderly");
    // Larger text makes the log taller: keep the latest lines in view if they were.
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    storage.set(ELDERLY_KEY, on ? "1" : "0");
    applyElderly(on);
    if (atEnd) scrollToEnd();
  });
  el("new-chat").addEventListener("click", () => {
    forgetSession();
    for (const node of log.querySelectorAll(".message:not(.welcome)")) node.remove();
    showHandoff({ state: "none", rated: false });
    showError("");
    input.focus();
  });

  applyElderly(document.documentElement.classList.contains("elderly"));
  updateCounter();
  loadHistory();
})();
