// Pure helpers turning API transcript lines into what the chat page shows, and the
// smallest setData update that shows new lines.

const REQUEST_HUMAN = "/request_human";
const ROLE_NAMES = { user: "我", bot: "智能助手", operator: "人工客服", system: "系统消息" };

// The page's words; 长辈模式 uses plainer, longer ones (适老化).
const WORDING = {
  standard: {
    placeholder: "请输入您的问题",
    human: "转人工",
    send: "发送",
    mode: "长辈模式",
    fresh: "新对话",
    contact: "客服",
    notify: "有回复时微信通知我",
    pending: "智能助手正在查找政策依据……",
  },
  large: {
    placeholder: "请在这里写下您想问的事",
    human: "找人工客服",
    send: "发送",
    mode: "标准模式",
    fresh: "重新开始",
    contact: "联系客服",
    notify: "有人回复时提醒我",
    pending: "正在查找，请稍等……",
  },
};

const WELCOME =
  "您好，我是问政智能客服，可以解答社保、医保、公积金、户籍、居住证、个税等政策和办事问题。" +
  "每个回答都注明政策出处；需要人工服务请点“转人工”。";

function wording(large) {
  return large ? WORDING.large : WORDING.standard;
}

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

// The text cut at its [n] markers; a marker of a known source becomes a link to its card.
function textSegments(text, citations) {
  const index = new Map(citations.map((c, i) => [String(c.n), i]));
  return text
    .split(/(\[\d+\])/)
    .filter(Boolean)
    .map((part, k) => {
      const marker = /^\[(\d+)\]$/.exec(part);
      if (!marker || !index.has(marker[1])) return { k, t: part };
      return { k, t: part, n: Number(marker[1]), ci: index.get(marker[1]) };
    });
}

function toView(message) {
  const citations = (message.citations || []).map((c) => ({
    n: c.n,
    label: citationLabel(c),
    version: c.version || "",
    url: safeUrl(c.url),
    snippet: c.snippet || "",
    open: false,
  }));
  return {
    id: message.id,
    role: message.role,
    who: ROLE_NAMES[message.role] || "",
    mine: message.role === "user",
    text: message.text || "",
    segments: textSegments(message.text || "", citations),
    citations,
    // Choice buttons are used once the citizen has said something after them.
    used: false,
    buttons: (message.buttons || []).map((b) => ({
      title: b.title,
      payload: b.payload,
      rating: isRatingPayload(b.payload),
    })),
  };
}

// The setData update adding `incoming` lines to `shown` (each id once, in id order):
// path keys for the new lines only, `messages[i].used` for buttons a new citizen line
// answered, and {} when nothing is new — a long transcript is never sent again.
function messageUpdate(shown, incoming) {
  const known = new Set(shown.map((m) => m.id));
  const fresh = [];
  for (const message of incoming) {
    if (message && !known.has(message.id)) {
      known.add(message.id);
      fresh.push(toView(message));
    }
  }
  if (!fresh.length) return {};
  fresh.sort((a, b) => a.id - b.id);
  const last = shown.length ? shown[shown.length - 1].id : -Infinity;
  if (fresh[0].id < last) {
    // A line from before the newest shown one (rare): rebuild the list once.
    const merged = [...shown, ...fresh].sort((a, b) => a.id - b.id).map((m) => ({ ...m }));
    markUsed(merged, 0, () => {});
    return { messages: merged };
  }
  const update = {};
  const all = [...shown, ...fresh];
  markUsed(all, shown.length, (i) => {
    update[`messages[${i}].used`] = true;
  });
  fresh.forEach((view, i) => {
    update[`messages[${shown.length + i}]`] = view;
  });
  return update;
}

// Marks lines with buttons that a later citizen line answered; `changed(i)` for shown ones.
function markUsed(list, firstNew, changed) {
  let answered = false;
  for (let i = list.length - 1; i >= 0; i -= 1) {
    const m = list[i];
    if (answered && m.buttons.length && !m.used) {
      if (i < firstNew) changed(i);
      else m.used = true;
    }
    if (m.mine) answered = true;
  }
}

// Whether the 1–5 rating can still be given (the server says when it was).
function canRate(handoff) {
  return !(handoff && handoff.rated);
}

function handoffNotice(handoff) {
  const state = handoff && handoff.state;
  if (state === "waiting") return "正在为您转接人工客服，请稍候……";
  if (state === "active") return "人工客服正在为您服务";
  if (state === "resolved") return "人工服务已结束，您可以继续向智能助手提问";
  return "";
}

module.exports = {
  REQUEST_HUMAN,
  WELCOME,
  canRate,
  citationLabel,
  handoffNotice,
  isRatingPayload,
  messageUpdate,
  ratingPayload,
  safeUrl,
  textSegments,
  toView,
  wording,
};
