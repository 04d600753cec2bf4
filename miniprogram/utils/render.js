// Pure helpers turning API transcript lines into what the chat page shows.

const REQUEST_HUMAN = "/request_human";
const ROLE_NAMES = { user: "我", bot: "智能助手", operator: "人工客服", system: "系统消息" };

function isRatingPayload(payload) {
  return typeof payload === "string" && payload.startsWith("/rate");
}

function ratingPayload(score) {
  return `/rate{"score": ${score}}`;
}

// "《社会保险法》第十二条" — what a citation card shows before it is expanded.
function citationLabel(citation) {
  const title = citation.title ? `《${citation.title}》` : "";
  return `${title}${citation.locator || ""}` || "来源";
}

// Only an http(s) address is shown as a link to copy (a planted javascript: is dropped).
function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\/[^\s\u0000-\u001f]+$/i.test(url.trim()) ? url.trim() : "";
}

function toView(message) {
  return {
    id: message.id,
    role: message.role,
    who: ROLE_NAMES[message.role] || "",
    mine: message.role === "user",
    text: message.text || "",
    citations: (message.citations || []).map((c) => ({
      n: c.n,
      label: citationLabel(c),
      version: c.version || "",
      url: safeUrl(c.url),
      snippet: c.snippet || "",
      open: false,
    })),
    buttons: (message.buttons || []).map((b) => ({
      title: b.title,
      payload: b.payload,
      rating: isRatingPayload(b.payload),
    })),
  };
}

// Add `incoming` lines to `shown`: each id once, in transcript (id) order.
function mergeMessages(shown, incoming) {
  const byId = new Map(shown.map((m) => [m.id, m]));
  for (const message of incoming) {
    if (!byId.has(message.id)) byId.set(message.id, toView(message));
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

// The polling cursor: the highest line id seen so far.
function lastId(messages, fallback = 0) {
  return messages.reduce((max, m) => (m.id > max ? m.id : max), fallback);
}

// Whether the 1–5 rating can still be given (the server says when it was).
function canRate(handoff) {
  return !(handoff && handoff.rated);
}

function handoffNotice(handoff) {
  const state = handoff && handoff.state;
  if (state === "waiting") return "正在为您转接人工客服，请稍候……";
  if (state === "active") return "人工客服正在为您服务";
  return "";
}

module.exports = {
  REQUEST_HUMAN,
  canRate,
  citationLabel,
  handoffNotice,
  isRatingPayload,
  lastId,
  mergeMessages,
  ratingPayload,
  safeUrl,
  toView,
};
