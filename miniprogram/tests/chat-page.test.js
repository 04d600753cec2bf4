// The chat page driven with a fake `wx` and `Page` (support/page.js) on the Flask app's
// own responses.
const test = require("node:test");
const assert = require("node:assert/strict");

const config = require("../config");
const { ROUTES, SESSION, fixture, loadPage, opened, settle } = require("./support/page");

test("develop: logs in to the local server with a device id, asks, shows the cited answer", async (t) => {
  const { page, requests, storage } = await opened({
    routes: {
      ...ROUTES,
      "POST /api/v1/chat": "chat-rasa-down",
    },
  });
  t.after(() => page.onUnload());
  assert.equal(page.data.ready, true);
  assert.equal(requests[0].url, "http://127.0.0.1:8000/api/v1/wechat/login");
  assert.equal(requests[0].data.dev_user, storage["wenzheng.devUser"]);
  assert.match(requests[0].data.dev_user, /^[A-Za-z0-9_-]{8,64}$/);
  assert.equal(page.data.maxChars, fixture("login").data.max_chars);

  page.onInput({ detail: { value: "  居住证怎么办？ " } });
  page.onSend();
  assert.equal(page.data.pending, "居住证怎么办？"); // the bubble shows while the bot works
  await settle();
  assert.equal(page.data.pending, "");
  assert.equal(page.data.input, "");
  const sent = requests.find((r) => r.method === "POST" && r.url.endsWith("/api/v1/chat"));
  assert.deepEqual(sent.data, { session_id: SESSION, text: "居住证怎么办？" });
  assert.deepEqual(
    page.data.messages.map((m) => m.text),
    ["居住证怎么办？", fixture("chat-rasa-down").data.messages[0].text],
  );
});

test("[n] opens its source card; a used choice cannot be pressed again", async (t) => {
  const sent = [];
  const { page } = await opened({
    routes: {
      ...ROUTES,
      "GET /api/v1/chat/SESSION-ID/messages": "messages-answer",
      "POST /api/v1/chat": (options) => {
        sent.push(options.data.text);
        return fixture("chat-rated"); // any valid reply will do
      },
    },
  });
  t.after(() => page.onUnload());
  const m = page.data.messages.findIndex((x) => x.citations.length);
  const answer = page.data.messages[m];
  const marker = answer.segments.find((s) => s.n === 1);
  assert.equal(marker.t, "[1]");
  page.onMarker({ currentTarget: { dataset: { m, c: marker.ci, n: marker.n } } });
  assert.equal(page.data.messages[m].citations[0].open, true);
  assert.equal(page.data.scrollTo, `c${answer.id}-1`);

  const helpful = answer.buttons[0];
  const tap = { currentTarget: { dataset: { m, payload: helpful.payload, title: helpful.title } } };
  page.onButton(tap);
  assert.equal(page.data.messages[m].used, true);
  await settle();
  page.onButton(tap);
  await settle();
  assert.deepEqual(sent, ["/feedback_helpful"]);
});

test("转人工 asks for the subscription message and reports the consent", async (t) => {
  const reports = [];
  const template = fixture("login").data.subscribe_templates[0];
  const { page, subscribeAsks } = await opened({
    subscribeAnswer: { [template]: "accept", errMsg: "requestSubscribeMessage:ok" },
    routes: {
      ...ROUTES,
      "POST /api/v1/chat": "chat-request-human",
      "POST /api/v1/wechat/subscribe": (options) => {
        reports.push(options.data);
        return "subscribe";
      },
    },
  });
  t.after(() => page.onUnload());
  page.onRequestHuman();
  await settle();
  assert.deepEqual(subscribeAsks, [[template]]);
  assert.deepEqual(reports, [{ session_id: SESSION, results: { [template]: "accept" } }]);
  assert.equal(page.data.handoffState, "waiting");
  assert.equal(page.data.canNotify, false); // already asked on the tap
  assert.match(page.data.handoffNotice, /转接人工/);
});

test("waiting without consent offers 有回复时通知我; operator reply, resolve and rating", async (t) => {
  let poll = "chat-request-human";
  const { page, subscribeAsks } = await opened({
    routes: {
      ...ROUTES,
      "POST /api/v1/chat": (options) =>
        options.data.text === "/request_human" ? "chat-request-human" : "chat-rated",
      "GET /api/v1/chat/SESSION-ID/messages": () => poll,
    },
  });
  t.after(() => page.onUnload());
  page.onRequestHuman(); // the citizen dismissed the subscription dialog
  await settle();
  assert.equal(page.data.canNotify, true);
  page.onNotifyMe();
  assert.equal(subscribeAsks.length, 2);

  poll = "messages-operator";
  await page.poller.poll();
  assert.equal(page.data.messages.at(-1).who, "人工客服");
  assert.equal(page.data.handoffNotice, "人工客服正在为您服务");
  assert.equal(page.data.canNotify, false);

  poll = "messages-resolved";
  await page.poller.poll();
  assert.match(page.data.handoffNotice, /人工服务已结束/);
  const rating = page.data.messages.findIndex((m) => m.buttons.some((b) => b.rating));
  const five = page.data.messages[rating].buttons[0];
  page.onButton({ currentTarget: { dataset: { m: rating, payload: five.payload, title: five.title } } });
  await settle();
  assert.equal(page.data.canRate, false);
  assert.equal(page.data.messages.at(-1).text, "感谢您的评价（5 分）！");
});

test("a poll with nothing new sends nothing; a new line sends only itself", async (t) => {
  const long = "根据《社会保险法》规定，职工应当参加基本养老保险，由用人单位和职工共同缴纳。".repeat(30);
  const history = Array.from({ length: 300 }, (_, i) => ({
    id: i + 1,
    role: i % 2 ? "bot" : "user",
    text: long,
    citations: [],
    buttons: [],
  }));
  let answer = { statusCode: 200, data: { messages: history, handoff: { state: "none", rated: false } } };
  const { page, setDataCalls } = await opened({
    routes: { ...ROUTES, "GET /api/v1/chat/SESSION-ID/messages": () => answer },
  });
  t.after(() => page.onUnload());
  assert.equal(page.data.messages.length, 300);
  assert.ok(JSON.stringify(page.data.messages).length > 500000); // a long history

  answer = { statusCode: 200, data: { messages: [], handoff: { state: "none", rated: false } } };
  let before = setDataCalls.length;
  await page.poller.poll();
  assert.equal(setDataCalls.length, before);

  const reply = { id: 301, role: "operator", text: "您好。", citations: [], buttons: [] };
  answer = { statusCode: 200, data: { messages: [reply], handoff: { state: "active", rated: false } } };
  before = setDataCalls.length;
  await page.poller.poll();
  const sent = setDataCalls.slice(before);
  assert.equal(sent.length, 1);
  assert.ok(Object.keys(sent[0]).includes("messages[300]"));
  assert.ok(JSON.stringify(sent[0]).length < 2000, JSON.stringify(sent[0]).length);
});

test("a forgotten session (404) starts a new conversation and stops polling the old one", async (t) => {
  let sessionGone = true;
  const { page, requests } = await opened({
    routes: {
      "POST /api/v1/wechat/login": () => {
        const login = fixture("login");
        if (!sessionGone) login.data.session_id = "NEW-SESSION";
        sessionGone = false;
        return login;
      },
      "GET /api/v1/chat/SESSION-ID/messages": "messages-unknown-session",
      "GET /api/v1/chat/NEW-SESSION/messages": "messages-empty",
    },
  });
  t.after(() => page.onUnload());
  await settle(50);
  assert.equal(page.data.ready, true);
  assert.match(page.data.error, /已为您开始新的对话/);
  assert.equal(page.sessionId, "NEW-SESSION");
  const oldPolls = requests.filter((r) => r.url.includes("/SESSION-ID/")).length;
  await page.poller.poll();
  assert.equal(requests.filter((r) => r.url.includes("/SESSION-ID/")).length, oldPolls);
});

test("a failed log-in retries with back-off, then offers 重试", async () => {
  const saved = { ...config };
  Object.assign(config, { loginRetries: 2, loginRetryMs: 60 });
  let logins = 0;
  let ok = false;
  try {
    const { page } = await opened({
      routes: {
        ...ROUTES,
        "POST /api/v1/wechat/login": () => {
          logins += 1;
          return ok ? "login" : "login-invalid-code";
        },
      },
    });
    assert.match(page.data.error, /秒后自动重试/);
    assert.equal(page.data.loginFailed, false);
    await settle(400);
    assert.equal(logins, 3); // the first try and two retries
    assert.equal(page.data.loginFailed, true);
    assert.match(page.data.error, /^登录凭证无效或已过期.*重试/);
    ok = true;
    page.onRetryLogin();
    await settle();
    assert.equal(page.data.ready, true);
    assert.equal(page.data.error, "");
    page.onUnload();
  } finally {
    Object.assign(config, saved);
  }
});

test("nothing is set after unload, even when a request answers late", async () => {
  const { page, setDataCalls } = await opened({ routes: ROUTES });
  const pending = page.poller.poll();
  page.onUnload();
  const count = setDataCalls.length;
  await pending;
  await settle();
  assert.equal(setDataCalls.length, count);
});

test("trial/release use the https server; an http release address is refused", async (t) => {
  const trial = await opened({ routes: ROUTES, envVersion: "trial" });
  t.after(() => trial.page.onUnload());
  assert.equal(trial.requests[0].url, `${config.servers.trial}/api/v1/wechat/login`);
  assert.equal(trial.requests[0].data.dev_user, undefined);

  const saved = config.servers.release;
  config.servers.release = "http://10.0.0.1:8000";
  try {
    const release = await opened({ routes: ROUTES, envVersion: "release" });
    assert.equal(release.requests.length, 0);
    assert.match(release.page.data.error, /https/);
  } finally {
    config.servers.release = saved;
  }
});

test("长辈模式 follows WeChat's font size until the citizen chooses", async (t) => {
  const storage = {};
  const big = await opened({ routes: ROUTES, storage, baseInfo: { fontSizeScaleFactor: 1.3 } });
  t.after(() => big.page.onUnload());
  assert.equal(big.page.data.largeText, true);
  assert.equal(big.page.data.words.human, "找人工客服");
  big.page.onToggleLargeText();
  assert.equal(storage["wenzheng.largeText"], false);
  const again = await opened({ routes: ROUTES, storage, baseInfo: { fontSizeScaleFactor: 1.3 } });
  t.after(() => again.page.onUnload());
  assert.equal(again.page.data.largeText, false);
  assert.equal(again.page.data.words.placeholder, "请输入您的问题");
});

test("privacy: a privacy API waits for the consent popup; share never carries the session", async (t) => {
  const { page, privacy } = await opened({ routes: ROUTES });
  t.after(() => page.onUnload());
  const answers = [];
  privacy.listener((answer) => answers.push(answer), { referrer: "setClipboardData" });
  assert.equal(page.data.privacyShown, true);
  page.onPrivacyAgree();
  assert.deepEqual(answers, [{ buttonId: "agree-privacy", event: "agree" }]);
  assert.equal(page.data.privacyShown, false);
  const share = page.onShareAppMessage();
  assert.equal(share.path, "/pages/chat/chat");
  assert.ok(!JSON.stringify(share).includes(SESSION));
});

test("新对话 logs in for a fresh conversation and clears the page", async (t) => {
  const { page, requests } = await opened({
    routes: { ...ROUTES, "GET /api/v1/chat/SESSION-ID/messages": "messages-answer" },
  });
  t.after(() => page.onUnload());
  assert.ok(page.data.messages.length > 0);
  page.onNewConversation();
  assert.equal(page.data.messages.length, 0);
  await settle();
  const logins = requests.filter((r) => r.url.endsWith("/api/v1/wechat/login"));
  assert.equal(logins.at(-1).data.new_conversation, true);
});

test("an over-long question gets the server's Chinese message and keeps the text", async (t) => {
  const { page } = await opened({ routes: { ...ROUTES, "POST /api/v1/chat": "chat-too-long" } });
  t.after(() => page.onUnload());
  page.onInput({ detail: { value: "长".repeat(501) } });
  page.onSend();
  await settle();
  assert.equal(page.data.error, fixture("chat-too-long").data.message);
  assert.equal(page.data.input.length, 501);
});

test("hidden before the log-in answers: no polling until shown again", async (t) => {
  const { page, requests } = loadPage({ routes: ROUTES });
  page.onLoad();
  page.onHide();
  await settle();
  t.after(() => page.onUnload());
  assert.equal(page.data.ready, true);
  const polls = () => requests.filter((r) => r.method === "GET").length;
  assert.equal(polls(), 0);
  page.onShow();
  await settle();
  assert.equal(polls(), 1);
});

test("an after-hours handoff notice says the reminder may come after opening time", async (t) => {
  const afterHours = fixture("chat-request-human");
  afterHours.data.messages[0].text = "现在是非工作时间（户籍人工服务时间：周一至周五 09:00–17:00）。您的问题已登记。";
  const { page } = await opened({ routes: { ...ROUTES, "POST /api/v1/chat": () => afterHours } });
  t.after(() => page.onUnload());
  page.onRequestHuman();
  await settle();
  assert.equal(page.data.canNotify, true);
  assert.equal(page.data.afterHours, true);
});
