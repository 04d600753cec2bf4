const test = require("node:test");
const assert = require("node:assert/strict");

const { ApiError, createApi, DEFAULT_ERROR } = require("../utils/api");

// A wx.request stand-in: records each call and answers with the next canned response.
function fakeRequest(responses) {
  const calls = [];
  const request = (options) => {
    calls.push(options);
    const next = responses.shift();
    setImmediate(() => (next === "fail" ? options.fail({ errMsg: "request:fail" }) : options.success(next)));
  };
  return { calls, request };
}

test("login posts the wx.login code and resolves the session id", async () => {
  const { calls, request } = fakeRequest([{ statusCode: 200, data: { session_id: "s-1" } }]);
  const api = createApi({ baseUrl: "https://wz.example.gov.cn/", request });
  assert.deepEqual(await api.login("code-9"), { session_id: "s-1" });
  assert.equal(calls[0].url, "https://wz.example.gov.cn/api/v1/wechat/login");
  assert.equal(calls[0].method, "POST");
  assert.deepEqual(calls[0].data, { code: "code-9" });
  assert.equal(calls[0].header["Content-Type"], "application/json");
});

test("log-in options: the development device id and 新对话; consent reports", async () => {
  const ok = { statusCode: 200, data: {} };
  const { calls, request } = fakeRequest([ok, ok]);
  const api = createApi({ baseUrl: "http://x", request });
  await api.login("c", { devUser: "dev-123456789", fresh: true });
  await api.subscribe("s", { t1: "accept" });
  assert.deepEqual(calls[0].data, { code: "c", dev_user: "dev-123456789", new_conversation: true });
  assert.equal(calls[1].url, "http://x/api/v1/wechat/subscribe");
  assert.deepEqual(calls[1].data, { session_id: "s", results: { t1: "accept" } });
});

test("send and poll use the chat API with the session id and cursor", async () => {
  const { calls, request } = fakeRequest([
    { statusCode: 200, data: { messages: [] } },
    { statusCode: 200, data: { messages: [] } },
  ]);
  const api = createApi({ baseUrl: "http://127.0.0.1:8000", request });
  await api.send("a/b", "社保怎么转移？");
  await api.messagesAfter("a/b", 42);
  assert.deepEqual(calls[0].data, { session_id: "a/b", text: "社保怎么转移？" });
  assert.equal(calls[0].url, "http://127.0.0.1:8000/api/v1/chat");
  assert.equal(calls[1].method, "GET");
  assert.equal(calls[1].url, "http://127.0.0.1:8000/api/v1/chat/a%2Fb/messages?after=42");
});

test("server errors reject with the server's Chinese message", async () => {
  const { request } = fakeRequest([
    { statusCode: 429, data: { error: "rate_limited", message: "请求过于频繁，请稍后再试" } },
  ]);
  const api = createApi({ baseUrl: "http://x", request });
  await assert.rejects(api.send("s", "hi"), (err) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 429);
    assert.equal(err.code, "rate_limited");
    assert.equal(err.message, "请求过于频繁，请稍后再试");
    return true;
  });
});

test("network failures and bodies without a message get a generic Chinese message", async () => {
  const { request } = fakeRequest(["fail", { statusCode: 502, data: "<html>Bad Gateway</html>" }]);
  const api = createApi({ baseUrl: "http://x", request });
  await assert.rejects(api.login("c"), { status: 0, code: "network_error", message: DEFAULT_ERROR });
  await assert.rejects(api.login("c"), { status: 502, code: "http_error", message: DEFAULT_ERROR });
});
