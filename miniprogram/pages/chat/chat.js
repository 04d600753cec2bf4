// The chat page: log in (retrying with back-off), send questions, show cited answers,
// poll for operator replies, 转人工 with a subscription-message request, rating,
// 长辈模式 (适老化), 新对话, the privacy consent popup and sharing.

const config = require("../../config");
const { createApi } = require("../../utils/api");
const env = require("../../utils/env");
const { createPoller } = require("../../utils/poller");
const render = require("../../utils/render");

const LARGE_TEXT_KEY = "wenzheng.largeText";
const DEV_USER_KEY = "wenzheng.devUser";
const MAX_CHARS = 500; // until the server says its MAX_QUERY_CHARS at log-in
const SESSION_LOST = "之前的对话已失效，已为您开始新的对话。";

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({ success: (res) => (res.code ? resolve(res.code) : reject(res)), fail: reject });
  });
}

// A random id kept on this device: the citizen's identity under development log-in.
function devUser() {
  let id = wx.getStorageSync(DEV_USER_KEY);
  if (!id) {
    id = `dev${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    wx.setStorageSync(DEV_USER_KEY, id);
  }
  return id;
}

Page({
  data: {
    messages: [],
    welcome: render.WELCOME,
    input: "",
    count: 0, // characters typed, for the counter
    sending: false,
    pending: "",
    ready: false,
    loginFailed: false,
    largeText: false,
    words: render.wording(false),
    handoffState: "none",
    handoffNotice: "",
    canRate: true,
    canNotify: false,
    afterHours: false, // the handoff notice said 非工作时间: a reply may come tomorrow
    error: "",
    maxChars: MAX_CHARS,
    scrollTo: "",
    privacyShown: false,
  },

  onLoad() {
    const stored = wx.getStorageSync(LARGE_TEXT_KEY);
    const largeText = typeof stored === "boolean" ? stored : env.prefersLargeText(wx);
    this.update({ largeText, words: render.wording(largeText) });
    const server = env.serverFor(config, env.envVersion(wx));
    this.envVersion = server.env;
    if (server.error) {
      this.update({ error: server.error });
      return;
    }
    this.api = createApi({ baseUrl: server.url, request: wx.request });
    this.watchPrivacy();
    this.start();
  },

  onShow() {
    this.hidden = false;
    if (this.poller) this.poller.start();
  },

  onHide() {
    this.hidden = true;
    if (this.poller) this.poller.stop();
  },

  onUnload() {
    this.unloaded = true;
    if (this.poller) this.poller.stop();
    clearTimeout(this.retryTimer);
  },

  onShareAppMessage() {
    // Never the session: whoever opens the share starts their own conversation.
    return { title: "问政智能客服：政策问题，有据可查", path: "/pages/chat/chat" };
  },

  // setData, except after unload and for empty updates.
  update(changes) {
    if (!this.unloaded && Object.keys(changes).length) this.setData(changes);
  },

  // ---------------------------------------------------------------- log-in

  // Log in; on failure retry with back-off (loginRetries times), then offer 重试.
  async start({ fresh = false, attempt = 0, notice = "" } = {}) {
    clearTimeout(this.retryTimer);
    if (this.poller) this.poller.stop();
    this.poller = null;
    this.update({ ready: false, loginFailed: false, error: "" });
    let session;
    try {
      session = await this.logIn(fresh);
    } catch (err) {
      if (this.unloaded) return;
      const reason = (err && err.message) || "登录失败";
      if (attempt < config.loginRetries) {
        const delay = config.loginRetryMs * 2 ** attempt;
        this.update({ error: `${reason}，${Math.round(delay / 1000)} 秒后自动重试……` });
        this.retryTimer = setTimeout(() => this.start({ fresh, attempt: attempt + 1, notice }), delay);
      } else {
        this.update({ error: `${reason}。请检查网络后点击“重试”。`, loginFailed: true });
      }
      return;
    }
    if (this.unloaded) return;
    this.sessionId = session.session_id;
    this.templates = session.subscribe_templates || [];
    this.update({
      ready: true,
      error: notice,
      maxChars: session.max_chars || MAX_CHARS,
      canNotify: false,
    });
    this.poller = createPoller({
      fetchAfter: (after) => {
        const turn = this.turn;
        return this.api.messagesAfter(this.sessionId, after).then(
          // A poll that started before a send finished carries the older handoff state.
          (body) => ({ ...body, handoff: turn === this.turn ? body.handoff : null }),
          (err) => this.lost(err),
        );
      },
      onBatch: (body) => this.show(body.messages, body.handoff),
      intervalMs: config.pollIntervalMs,
    });
    if (!this.hidden) this.poller.start(); // hidden meanwhile: onShow starts it
  },

  async logIn(fresh) {
    const develop = this.envVersion === "develop";
    let code;
    try {
      code = await wxLoginCode();
    } catch (err) {
      // DevTools without an AppID cannot wx.login; a development server does not need it.
      if (!develop) throw new Error("微信登录失败");
      code = "devtools";
    }
    return this.api.login(code, { devUser: develop ? devUser() : undefined, fresh });
  },

  onRetryLogin() {
    this.start();
  },

  // A 404: the server forgot the conversation (database reset). Start a new one.
  lost(err) {
    if (err && err.status === 404 && this.poller) {
      this.poller.stop();
      this.reset();
      this.start({ notice: SESSION_LOST });
    }
    throw err;
  },

  reset() {
    this.update({
      messages: [],
      pending: "",
      handoffState: "none",
      handoffNotice: "",
      canRate: true,
      canNotify: false,
      scrollTo: "",
    });
  },

  onNewConversation() {
    if (this.data.sending) return;
    this.reset();
    this.start({ fresh: true });
  },

  // ---------------------------------------------------------------- showing

  show(messages, handoff) {
    const shown = this.data.messages;
    const incoming = (messages || []).filter(Boolean);
    const changes = render.messageUpdate(shown, incoming);
    if (Object.keys(changes).length) {
      const ids = [...shown, ...incoming].map((m) => m.id);
      changes.scrollTo = `m${Math.max(...ids)}`;
    }
    const notice = incoming.filter((m) => m.role === "system").pop();
    if (notice && notice.text.includes("非工作时间") !== this.data.afterHours) {
      changes.afterHours = !this.data.afterHours;
    }
    if (handoff) this.handoffChanges(handoff, changes);
    this.update(changes);
  },

  handoffChanges(handoff, changes) {
    const wanted = {
      handoffState: handoff.state,
      handoffNotice: render.handoffNotice(handoff),
      canRate: render.canRate(handoff),
    };
    if (handoff.state !== "waiting") {
      wanted.canNotify = false;
      this.subscribed = false; // the next handoff asks again
    } else if (this.data.handoffState !== "waiting") {
      wanted.canNotify = this.templates.length > 0 && !this.subscribed;
    }
    for (const [key, value] of Object.entries(wanted)) {
      if (this.data[key] !== value) changes[key] = value;
    }
  },

  // ---------------------------------------------------------------- sending

  onInput(event) {
    const input = event.detail.value;
    this.update({ input, count: input.length });
  },

  onSend() {
    const text = this.data.input.trim();
    if (!text) return;
    this.send(text, text).then((sent) => sent && this.update({ input: "", count: 0 }));
  },

  onButton(event) {
    const { payload, title, m } = event.currentTarget.dataset;
    if (render.isRatingPayload(payload) && !this.data.canRate) return;
    const message = this.data.messages[m];
    if (message && message.used) return;
    if (message) this.update({ [`messages[${m}].used`]: true });
    this.send(payload, title);
  },

  // 转人工: ask for the subscription message first (it needs this tap), then hand off.
  onRequestHuman() {
    this.askToNotify();
    this.send(render.REQUEST_HUMAN, this.data.words.human);
  },

  onNotifyMe() {
    this.askToNotify();
  },

  askToNotify() {
    const tmplIds = this.templates || [];
    if (!tmplIds.length || !wx.requestSubscribeMessage) return;
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => {
        const results = {};
        for (const id of tmplIds) if (res[id]) results[id] = res[id];
        if (!Object.keys(results).length) return;
        this.subscribed = Object.values(results).includes("accept");
        if (this.subscribed) this.update({ canNotify: false });
        this.api.subscribe(this.sessionId, results).catch(() => {
          this.update({ error: "提醒设置未保存，请稍后再试" });
        });
      },
      // Turned off in settings, or the dialog could not open: the chat goes on.
      fail: () => {},
    });
  },

  async send(text, shownAs) {
    if (!this.sessionId || this.data.sending) return false;
    this.update({ sending: true, pending: shownAs || text, error: "", scrollTo: "pending" });
    try {
      const body = await this.api.send(this.sessionId, text);
      this.turn = (this.turn || 0) + 1;
      this.update({ pending: "" });
      this.show([body.user_message, ...body.messages], body.handoff);
      return true;
    } catch (err) {
      if (err.status === 404) {
        this.reset();
        this.start({ notice: `${SESSION_LOST}请重新发送您的问题。` });
      } else {
        this.update({ error: err.message });
      }
      return false;
    } finally {
      this.update({ sending: false, pending: "" });
    }
  },

  // ---------------------------------------------------------------- sources, modes

  onToggleCitation(event) {
    const { m, c } = event.currentTarget.dataset;
    const key = `messages[${m}].citations[${c}].open`;
    this.update({ [key]: !this.data.messages[m].citations[c].open });
  },

  // A [n] marker in the text: open its source card and scroll to it.
  onMarker(event) {
    const { m, c, n } = event.currentTarget.dataset;
    const message = this.data.messages[m];
    if (!Number(n) || !message) return; // plain text, not a marker
    this.update({
      [`messages[${m}].citations[${c}].open`]: true,
      scrollTo: `c${message.id}-${message.citations[c].n}`,
    });
  },

  onCopyLink(event) {
    wx.setClipboardData({ data: event.currentTarget.dataset.url });
  },

  onToggleLargeText() {
    const largeText = !this.data.largeText;
    wx.setStorageSync(LARGE_TEXT_KEY, largeText);
    this.update({ largeText, words: render.wording(largeText) });
  },

  // ---------------------------------------------------------------- privacy (隐私保护指引)

  watchPrivacy() {
    if (wx.onNeedPrivacyAuthorization) {
      wx.onNeedPrivacyAuthorization((resolve) => {
        this.privacyResolve = resolve;
        this.update({ privacyShown: true });
      });
    }
    if (wx.getPrivacySetting) {
      wx.getPrivacySetting({
        success: (res) => res.needAuthorization && this.update({ privacyShown: true }),
      });
    }
  },

  onOpenPrivacyContract() {
    if (wx.openPrivacyContract) wx.openPrivacyContract({});
  },

  onPrivacyAgree() {
    if (this.privacyResolve) this.privacyResolve({ buttonId: "agree-privacy", event: "agree" });
    this.privacyResolve = null;
    this.update({ privacyShown: false });
  },

  onPrivacyDisagree() {
    if (this.privacyResolve) this.privacyResolve({ event: "disagree" });
    this.privacyResolve = null;
    this.update({ privacyShown: false });
  },
});
