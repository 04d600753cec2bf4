// The chat page's WXML rendered by miniprogram-simulate (WeChat's exparser on jsdom) and
// driven by the page's own code: bindings, event handlers, data-* and setData path keys
// must all agree, as in WeChat. The fake `wx` answers with the Flask app's responses.
require("global-jsdom")();
// Node has its own Event classes; j-component must dispatch jsdom's.
global.CustomEvent = window.CustomEvent;
global.Event = window.Event;
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const simulate = require("miniprogram-simulate");

const { ROUTES, fixture, loadPage, settle } = require("./support/page");

const WXML = fs.readFileSync(path.join(__dirname, "..", "pages", "chat", "chat.wxml"), "utf8");

// The page definition as a component: its functions become methods of a real exparser
// instance, so this.setData / this.data are WeChat's own.
async function mount(options) {
  const { definition, requests, subscribeAsks, privacy } = loadPage(options);
  const methods = {};
  for (const [name, value] of Object.entries(definition)) {
    if (typeof value === "function") methods[name] = value;
  }
  const id = simulate.load({ template: WXML, data: JSON.parse(JSON.stringify(definition.data)), methods });
  const view = simulate.render(id);
  view.attach(document.createElement("parent-wrapper"));
  view.instance.onLoad();
  await settle();
  return { view, page: view.instance, requests, subscribeAsks, privacy };
}

const text = (node) => (node ? node.dom.textContent : null);

test("a cited answer renders; [n] opens its card; a used choice is sent once", async (t) => {
  const sent = [];
  const { view, page } = await mount({
    routes: {
      ...ROUTES,
      "GET /api/v1/chat/SESSION-ID/messages": "messages-answer",
      "POST /api/v1/chat": (options) => {
        sent.push(options.data.text);
        return "chat-rated";
      },
    },
  });
  t.after(() => page.onUnload());
  const answer = fixture("messages-answer").data.messages[1];
  assert.equal(text(view.querySelector(".marker")), "[1]");
  assert.equal(view.querySelector(".cite-body"), undefined);
  view.querySelector(".marker").dispatchEvent("tap");
  await settle();
  assert.match(text(view.querySelector(".cite-body")), /居住证持有人可以在居住地申领/);
  assert.equal(page.data.scrollTo, `c${answer.id}-1`);

  view.querySelector(".choice").dispatchEvent("tap");
  await settle();
  view.querySelector(".choice").dispatchEvent("tap");
  await settle();
  assert.deepEqual(sent, ["/feedback_helpful"]);
  assert.equal(page.data.messages[1].used, true);
});

test("typing updates the counter; an empty page has the welcome and no error", async (t) => {
  const { view, page } = await mount({ routes: ROUTES });
  t.after(() => page.onUnload());
  assert.match(text(view.querySelector(".welcome")), /问政智能客服/);
  assert.equal(view.querySelector(".error"), undefined);
  assert.equal(text(view.querySelector(".counter")), "0/500");
  view.querySelector(".input").dispatchEvent("input", { detail: { value: "异地就医怎么备案" } });
  await settle();
  assert.equal(text(view.querySelector(".counter")), "8/500");
});

test("a failed log-in shows 重试, which logs in again", async (t) => {
  let ok = false;
  const { view, page } = await mount({
    routes: { ...ROUTES, "POST /api/v1/wechat/login": () => (ok ? "login" : "login-invalid-code") },
  });
  t.after(() => page.onUnload());
  page.update({ loginFailed: true, error: "登录失败。请检查网络后点击“重试”。" });
  clearTimeout(page.retryTimer);
  ok = true;
  view.querySelector(".retry").dispatchEvent("tap");
  await settle();
  assert.equal(page.data.ready, true);
  assert.equal(view.querySelector(".retry"), undefined);
});

test("waiting for a person offers the reminder; tapping it asks WeChat", async (t) => {
  const { view, page, subscribeAsks } = await mount({
    routes: { ...ROUTES, "POST /api/v1/chat": "chat-request-human" },
  });
  t.after(() => page.onUnload());
  view.querySelector(".human").dispatchEvent("tap");
  await settle();
  assert.match(text(view.querySelector(".notice")), /转接人工/);
  view.querySelector(".notify-button").dispatchEvent("tap");
  await settle();
  assert.deepEqual(subscribeAsks, [["tmpl-reply"], ["tmpl-reply"]]);
});

test("the privacy popup answers WeChat's question with the citizen's choice", async (t) => {
  const { view, page, privacy } = await mount({ routes: ROUTES });
  t.after(() => page.onUnload());
  const answers = [];
  privacy.listener((answer) => answers.push(answer));
  await settle();
  assert.match(text(view.querySelector(".privacy")), /隐私保护指引/);
  view.querySelector("#agree-privacy").dispatchEvent("agreeprivacyauthorization");
  await settle();
  assert.deepEqual(answers, [{ buttonId: "agree-privacy", event: "agree" }]);
  assert.equal(view.querySelector(".privacy"), undefined);
  privacy.listener((answer) => answers.push(answer));
  await settle();
  view.querySelector(".privacy-no").dispatchEvent("tap");
  await settle();
  assert.deepEqual(answers.at(-1), { event: "disagree" });
});

test("长辈模式 (from WeChat's large font) renders larger, plainer words", async (t) => {
  const { view, page } = await mount({ routes: ROUTES, baseInfo: { fontSizeSetting: 24 } });
  t.after(() => page.onUnload());
  assert.match(view.querySelector(".page").dom.className, /\blarge\b/);
  assert.equal(text(view.querySelector(".human")), "找人工客服");
  view.querySelector(".mode").dispatchEvent("tap");
  await settle();
  assert.doesNotMatch(view.querySelector(".page").dom.className, /\blarge\b/);
  assert.equal(text(view.querySelector(".human")), "转人工");
});
