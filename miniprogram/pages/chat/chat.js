// The chat page: log in with wx.login, send questions, show cited answers, poll for
// operator replies, 转人工, rating, and the large-text (适老化) mode.

const config = require("../../config");
const { createApi } = require("../../utils/api");
const { createPoller } = require("../../utils/poller");
const render = require("../../utils/render");

const LARGE_TEXT_KEY = "wenzheng.largeText";
const MAX_CHARS = 500;

const api = createApi({ baseUrl: config.serverUrl, request: wx.request });

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({ success: (res) => (res.code ? resolve(res.code) : reject(res)), fail: reject });
  });
}

Page({
  data: {
    messages: [],
    input: "",
    sending: false,
    ready: false,
    largeText: false,
    handoffNotice: "",
    canRate: true,
    error: "",
    maxChars: MAX_CHARS,
    scrollTo: "",
  },

  onLoad() {
    this.setData({ largeText: wx.getStorageSync(LARGE_TEXT_KEY) === true });
    this.start();
  },

  onShow() {
    if (this.poller) this.poller.start();
  },

  onHide() {
    if (this.poller) this.poller.stop();
  },

  onUnload() {
    if (this.poller) this.poller.stop();
  },

  async start() {
    try {
      this.sessionId = await api.login(await wxLoginCode());
    } catch (err) {
      this.setData({ error: err.message || "登录失败，请稍后重试" });
      return;
    }
    this.poller = createPoller({
      fetchAfter: (after) => api.messagesAfter(this.sessionId, after),
      onBatch: (body) => this.show(body.messages, body.handoff),
      intervalMs: config.pollIntervalMs,
    });
    this.setData({ ready: true, error: "" });
    this.poller.start();
  },

  show(messages, handoff) {
    const merged = render.mergeMessages(this.data.messages, messages || []);
    const update = { messages: merged };
    if (handoff) {
      update.handoffNotice = render.handoffNotice(handoff);
      update.canRate = render.canRate(handoff);
    }
    if (merged.length) update.scrollTo = `m${merged[merged.length - 1].id}`;
    this.setData(update);
  },

  onInput(event) {
    this.setData({ input: event.detail.value });
  },

  onSend() {
    const text = this.data.input.trim();
    if (!text) return;
    this.send(text).then((sent) => sent && this.setData({ input: "" }));
  },

  onButton(event) {
    const { payload } = event.currentTarget.dataset;
    if (render.isRatingPayload(payload) && !this.data.canRate) return;
    this.send(payload);
  },

  onRequestHuman() {
    this.send(render.REQUEST_HUMAN);
  },

  async send(text) {
    if (!this.sessionId || this.data.sending) return false;
    this.setData({ sending: true, error: "" });
    try {
      const body = await api.send(this.sessionId, text);
      this.show([body.user_message, ...body.messages], body.handoff);
      return true;
    } catch (err) {
      this.setData({ error: err.message });
      return false;
    } finally {
      this.setData({ sending: false });
    }
  },

  onToggleCitation(event) {
    const { m, c } = event.currentTarget.dataset;
    const key = `messages[${m}].citations[${c}].open`;
    this.setData({ [key]: !this.data.messages[m].citations[c].open });
  },

  onCopyLink(event) {
    wx.setClipboardData({ data: event.currentTarget.dataset.url });
  },

  onToggleLargeText() {
    const largeText = !this.data.largeText;
    wx.setStorageSync(LARGE_TEXT_KEY, largeText);
    this.setData({ largeText });
  },
});
