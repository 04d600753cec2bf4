// The chat page driven with a fake `wx` and `Page`: log-in, sending, buttons, polling
// for operator replies, citation cards and the large-text mode kept in storage.
const test = require("node:test");
const assert = require("node:assert/strict");

function setPath(target, path, value) {
  const keys = path.replace(/\[(\d+)\]/g, ".$1").split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key];
  node[keys[keys.length - 1]] = value;
}

function loadPage({ routes, storage = {} }) {
  const requests = [];
  global.wx = {
    login: ({ success }) => success({ code: "code-1" }),
    request(options) {
      requests.push(options);
      const path = options.url.replace(/^https?:\/\/[^/]+/, "");
      const key = `${options.method} ${path.split("?")[0]}`;
      const answer = routes[key];
      setImmediate(() => options.success(typeof answer === "function" ? answer(options) : answer));
    },
    getStorageSync: (key) => storage[key],
    setStorageSync: (key, value) => {
      storage[key] = value;
    },
    setClipboardData() {},
  };
  let definition;
  global.Page = (def) => {
    definition = def;
  };
  delete require.cache[require.resolve("../pages/chat/chat.js")];
  require("../pages/chat/chat.js");
  const page = Object.assign(Object.create(definition), {
    data: JSON.parse(JSON.stringify(definition.data)),
    setData(update) {
      for (const [path, value] of Object.entries(update)) setPath(this.data, path, value);
    },
  });
  return { page, requests, storage };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

const ANSWER = {
  id: 2,
  role: "bot",
  text: "可以在线办理[1]。",
  citations: [{ n: 1, title: "居住证暂行条例", locator: "第九条", url: "https://gov.cn/jzz", version: "2016-01-01" }],
  buttons: [{ title: "转人工", payload: "/request_human" }],
};

test("logs in, sends a question, shows the cited answer and an operator reply", async (t) => {
  const operatorLine = { id: 4, role: "operator", text: "您好，我是人工客服。" };
  let polls = 0;
  const { page, requests } = loadPage({
    routes: {
      "POST /api/v1/wechat/login": { statusCode: 200, data: { session_id: "sess-1" } },
      "POST /api/v1/chat": (options) => ({
        statusCode: 200,
        data: {
          user_message: { id: 1, role: "user", text: options.data.text },
          messages: [ANSWER],
          handoff: { state: "none", rated: false },
        },
      }),
      "GET /api/v1/chat/sess-1/messages": () => {
        polls += 1;
        return {
          statusCode: 200,
          data: { messages: polls > 1 ? [operatorLine] : [], handoff: { state: "active", rated: false } },
        };
      },
    },
  });
  page.onLoad();
  await settle();
  t.after(() => page.onUnload());
  assert.equal(page.data.ready, true);
  assert.deepEqual(requests[0].data, { code: "code-1" });

  page.onInput({ detail: { value: "  居住证怎么办？ " } });
  page.onSend();
  await settle();
  assert.deepEqual(requests.find((r) => r.method === "POST" && r.url.endsWith("/api/v1/chat")).data, {
    session_id: "sess-1",
    text: "居住证怎么办？",
  });
  assert.equal(page.data.input, "");
  assert.deepEqual(page.data.messages.map((m) => m.text), ["居住证怎么办？", "可以在线办理[1]。"]);
  assert.equal(page.data.messages[1].citations[0].label, "《居住证暂行条例》第九条");

  page.onToggleCitation({ currentTarget: { dataset: { m: 1, c: 0 } } });
  assert.equal(page.data.messages[1].citations[0].open, true);

  await page.poller.poll();
  assert.equal(page.data.messages.at(-1).who, "人工客服");
  assert.equal(page.data.handoffNotice, "人工客服正在为您服务");
});

test("转人工 and buttons send their payloads; rating is refused once rated", async (t) => {
  const sent = [];
  const { page } = loadPage({
    routes: {
      "POST /api/v1/wechat/login": { statusCode: 200, data: { session_id: "sess-2" } },
      "POST /api/v1/chat": (options) => {
        sent.push(options.data.text);
        return {
          statusCode: 200,
          data: {
            user_message: { id: 10 + sent.length, role: "user", text: "…" },
            messages: [],
            handoff: { state: "resolved", rated: true },
          },
        };
      },
      "GET /api/v1/chat/sess-2/messages": { statusCode: 200, data: { messages: [] } },
    },
  });
  page.onLoad();
  await settle();
  t.after(() => page.onUnload());
  page.onRequestHuman();
  await settle();
  page.onButton({ currentTarget: { dataset: { payload: "/feedback_helpful" } } });
  await settle();
  page.onButton({ currentTarget: { dataset: { payload: '/rate{"score": 5}' } } });
  await settle();
  assert.deepEqual(sent, ["/request_human", "/feedback_helpful"]);
  assert.equal(page.data.canRate, false);
});

test("large-text mode is remembered in wx storage", async (t) => {
  const storage = {};
  const routes = {
    "POST /api/v1/wechat/login": { statusCode: 200, data: { session_id: "s" } },
    "GET /api/v1/chat/s/messages": { statusCode: 200, data: { messages: [] } },
  };
  const first = loadPage({ routes, storage }).page;
  first.onLoad();
  await settle();
  first.onUnload();
  assert.equal(first.data.largeText, false);
  first.onToggleLargeText();
  assert.equal(storage["wenzheng.largeText"], true);

  const second = loadPage({ routes, storage }).page;
  second.onLoad();
  await settle();
  t.after(() => second.onUnload());
  assert.equal(second.data.largeText, true);
});

test("a failed log-in shows the server's message", async () => {
  const { page } = loadPage({
    routes: {
      "POST /api/v1/wechat/login": {
        statusCode: 400,
        data: { error: "invalid_code", message: "登录凭证无效或已过期，请重新进入小程序" },
      },
    },
  });
  page.onLoad();
  await settle();
  assert.equal(page.data.ready, false);
  assert.equal(page.data.error, "登录凭证无效或已过期，请重新进入小程序");
});
