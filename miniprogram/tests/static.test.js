// What WeChat DevTools would refuse before the page even runs: broken WXML, handlers that
// do not exist, unparsable WXSS or JSON, pages missing from app.json, and what review
// checks in the configuration (privacy check on, the chat page kept out of search).
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const csstree = require("css-tree");

const { checkWxml } = require("./support/wxml");

const ROOT = path.join(__dirname, "..");
const read = (file) => fs.readFileSync(path.join(ROOT, file), "utf8");
const app = JSON.parse(read("app.json"));

function pageDefinition(page) {
  let definition;
  global.Page = (def) => {
    definition = def;
  };
  global.wx = {};
  const file = path.join(ROOT, `${page}.js`);
  delete require.cache[require.resolve(file)];
  require(file);
  return definition;
}

test("the checker finds broken markup", () => {
  assert.deepEqual(checkWxml("<view><text>a</view>").problems, ["line 1: </view> closes <text> of line 1", "line 1: <view> never closed"]);
  assert.match(checkWxml('<view class=a></view>').problems[0], /not quoted/);
  assert.match(checkWxml('<view wx:if="{{a}"></view>').problems[0], /unbalanced/);
  assert.deepEqual([...checkWxml('<button bindtap="go" catch:input="x" />').handlers], ["go", "x"]);
});

for (const page of app.pages) {
  test(`${page}: WXML is well formed and every handler exists`, () => {
    const { problems, handlers } = checkWxml(read(`${page}.wxml`));
    assert.deepEqual(problems, []);
    const definition = pageDefinition(page);
    const missing = [...handlers].filter((name) => typeof definition[name] !== "function");
    assert.deepEqual(missing, []);
    assert.ok(handlers.size > 5);
  });

  test(`${page}: WXSS parses and the page JSON is valid`, () => {
    for (const file of [`${page}.wxss`, "app.wxss"]) {
      const errors = [];
      csstree.parse(read(file), { onParseError: (error) => errors.push(`${file}: ${error.formattedMessage || error.message}`) });
      assert.deepEqual(errors, []);
    }
    JSON.parse(read(`${page}.json`));
  });
}

test("app, project and sitemap configuration meet WeChat review", () => {
  assert.equal(app.__usePrivacyCheck__, true);
  const sitemap = JSON.parse(read("sitemap.json"));
  for (const page of app.pages) {
    const rule = sitemap.rules.find((r) => r.page === page || r.page === "*");
    assert.equal(rule.action, "disallow", `${page} must not be indexed`);
  }
  const project = JSON.parse(read("project.config.json"));
  const ignored = project.packOptions.ignore.map((entry) => entry.value);
  for (const folder of ["tests", "node_modules"]) assert.ok(ignored.includes(folder), folder);
});
