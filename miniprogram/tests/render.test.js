const test = require("node:test");
const assert = require("node:assert/strict");

const render = require("../utils/render");

const answer = {
  id: 7,
  role: "bot",
  text: "职工应当参加基本养老保险[1]。",
  citations: [
    {
      n: 1,
      source_id: "shbxf",
      title: "中华人民共和国社会保险法",
      locator: "第二章 第十条",
      url: "https://flk.npc.gov.cn/shbxf",
      version: "2018-12-29",
      snippet: "职工应当参加基本养老保险……",
    },
  ],
  buttons: [
    { title: "有帮助", payload: "/feedback_helpful" },
    { title: "没帮助", payload: "/feedback_unhelpful" },
  ],
};

test("an answer becomes a view with collapsed citation cards and buttons", () => {
  const view = render.toView(answer);
  assert.equal(view.who, "智能助手");
  assert.equal(view.mine, false);
  assert.deepEqual(view.citations, [
    {
      n: 1,
      label: "《中华人民共和国社会保险法》第二章 第十条",
      version: "2018-12-29",
      url: "https://flk.npc.gov.cn/shbxf",
      snippet: "职工应当参加基本养老保险……",
      open: false,
    },
  ]);
  assert.equal(view.used, false);
  assert.deepEqual(
    view.buttons.map((b) => [b.title, b.rating]),
    [["有帮助", false], ["没帮助", false]],
  );
});

test("citation labels degrade gracefully", () => {
  assert.equal(render.citationLabel({ title: "住房公积金管理条例" }), "《住房公积金管理条例》");
  assert.equal(render.citationLabel({ locator: "第五条" }), "第五条");
  assert.equal(render.citationLabel({}), "来源");
});

test("rating buttons are recognised and the rating payload matches the server's", () => {
  assert.equal(render.ratingPayload(5), '/rate{"score": 5}');
  assert.ok(render.isRatingPayload(render.ratingPayload(3)));
  assert.ok(!render.isRatingPayload("/request_human"));
  assert.ok(!render.isRatingPayload(undefined));
  const notice = render.toView({ id: 9, role: "system", text: "请为本次人工服务打分（1–5 分）：",
    buttons: [{ title: "5分 非常满意", payload: '/rate{"score": 5}' }] });
  assert.equal(notice.buttons[0].rating, true);
  assert.equal(render.canRate({ state: "resolved", rated: false }), true);
  assert.equal(render.canRate({ state: "resolved", rated: true }), false);
});

test("updates add only new lines, by path, and nothing when nothing is new", () => {
  const first = render.messageUpdate([], [answer]);
  assert.deepEqual(Object.keys(first), ["messages[0]"]);
  const shown = [first["messages[0]"]];
  shown[0].citations[0].open = true;
  assert.deepEqual(render.messageUpdate(shown, [answer]), {});
  const next = render.messageUpdate(shown, [
    { id: 9, role: "operator", text: "您好，我是人工客服。" },
    answer,
    { id: 8, role: "user", text: "转人工" },
  ]);
  // The citizen spoke after the answer: its buttons are used; the open card is untouched.
  assert.deepEqual(Object.keys(next).sort(), ["messages[0].used", "messages[1]", "messages[2]"]);
  assert.equal(next["messages[0].used"], true);
  assert.equal(next["messages[1]"].mine, true);
  assert.equal(next["messages[2]"].who, "人工客服");
  assert.equal(shown[0].citations[0].open, true);
});

test("a line older than the newest shown one rebuilds the list in id order", () => {
  const shown = [render.toView({ id: 5, role: "bot", text: "a" })];
  const update = render.messageUpdate(shown, [{ id: 3, role: "user", text: "b" }]);
  assert.deepEqual(update.messages.map((m) => m.id), [3, 5]);
});

test("[n] markers of known sources become links to their card", () => {
  const view = render.toView(answer);
  assert.deepEqual(view.segments, [
    { k: 0, t: "职工应当参加基本养老保险" },
    { k: 1, t: "[1]", n: 1, ci: 0 },
    { k: 2, t: "。" },
  ]);
  assert.deepEqual(render.textSegments("见[2]", []), [{ k: 0, t: "见" }, { k: 1, t: "[2]" }]);
});

test("handoff notices", () => {
  assert.match(render.handoffNotice({ state: "waiting" }), /转接人工/);
  assert.match(render.handoffNotice({ state: "active" }), /人工客服正在/);
  assert.match(render.handoffNotice({ state: "resolved" }), /人工服务已结束/);
  assert.equal(render.handoffNotice({ state: "none" }), "");
  assert.equal(render.handoffNotice(undefined), "");
});

test("only http(s) citation links are offered to copy; a planted javascript: link is dropped", () => {
  const cite = (url) => render.toView({ ...answer, citations: [{ ...answer.citations[0], url }] }).citations[0].url;
  assert.equal(cite("https://flk.npc.gov.cn/shbxf"), "https://flk.npc.gov.cn/shbxf");
  assert.equal(cite("javascript:alert(1)"), "");
  assert.equal(cite(" JaVaScRiPt:alert(1)"), "");
  assert.equal(cite("data:text/html,<script>alert(1)</script>"), "");
  assert.equal(cite(undefined), "");
});
