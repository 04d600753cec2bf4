// A fake `wx` and `Page` for the chat page; the server's answers are the Flask app's own
// responses (fixtures/, written by tests/wechat/test_miniprogram_fixtures.py).
const fs = require("node:fs");
const path = require("node:path");

const SESSION = "SESSION-ID";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let inFlight = 0; // fake requests not answered yet

// Waits until no fake request has been open for a while (the machine may be slow), or `ms`.
async function settle(ms = 20) {
  let quiet = 0;
  for (let waited = 0; waited < 3000 && (quiet < 2 || waited < ms); waited += 10) {
    await sleep(10);
    quiet = inFlight === 0 ? quiet + 1 : 0;
  }
}

function fixture(name) {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", `${name}.json`), "utf8"));
}

function setPath(target, keyPath, value) {
  const keys = keyPath.replace(/\[(\d+)\]/g, ".$1").split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key];
  node[keys[keys.length - 1]] = value;
}

// routes: "METHOD /path" -> a response, a fixture name, or a function of the request.
function loadPage({
  routes,
  storage = {},
  envVersion = "develop",
  baseInfo = {},
  subscribeAnswer = null,
  loginFails = false,
}) {
  const requests = [];
  const setDataCalls = [];
  const subscribeAsks = [];
  const privacy = {};
  global.wx = {
    getAccountInfoSync: () => ({ miniProgram: { envVersion, appId: "wx-test" } }),
    getAppBaseInfo: () => ({ fontSizeScaleFactor: 1, fontSizeSetting: 16, ...baseInfo }),
    login: ({ success, fail }) => (loginFails ? fail({ errMsg: "login:fail" }) : success({ code: "code-1" })),
    request(options) {
      requests.push(options);
      inFlight += 1;
      const url = options.url.replace(/^https?:\/\/[^/]+/, "");
      const answer = routes[`${options.method} ${url.split("?")[0]}`];
      const respond = () => {
        let res = typeof answer === "function" ? answer(options) : answer;
        if (typeof res === "string") res = fixture(res);
        if (res === undefined) res = { statusCode: 404, data: { error: "no_route" } };
        if (res === "fail") options.fail({ errMsg: "request:fail" });
        else options.success(JSON.parse(JSON.stringify(res)));
      };
      setImmediate(() => {
        inFlight -= 1;
        respond();
      });
    },
    getStorageSync: (key) => storage[key],
    setStorageSync: (key, value) => {
      storage[key] = value;
    },
    setClipboardData() {},
    requestSubscribeMessage(options) {
      subscribeAsks.push(options.tmplIds);
      if (subscribeAnswer) options.success(subscribeAnswer);
      else options.fail({ errMsg: "requestSubscribeMessage:fail" });
    },
    onNeedPrivacyAuthorization(listener) {
      privacy.listener = listener;
    },
    getPrivacySetting({ success }) {
      success({ needAuthorization: false });
    },
  };
  let definition;
  global.Page = (def) => {
    definition = def;
  };
  delete require.cache[require.resolve("../../pages/chat/chat.js")];
  require("../../pages/chat/chat.js");
  const page = Object.assign(Object.create(definition), {
    data: JSON.parse(JSON.stringify(definition.data)),
    setData(update) {
      setDataCalls.push(update);
      for (const [key, value] of Object.entries(update)) setPath(this.data, key, value);
    },
  });
  return { definition, page, requests, storage, setDataCalls, subscribeAsks, privacy };
}

const ROUTES = {
  "POST /api/v1/wechat/login": "login",
  "GET /api/v1/chat/SESSION-ID/messages": "messages-empty",
};

async function opened(options) {
  const loaded = loadPage(options);
  loaded.page.onLoad();
  await settle();
  return loaded;
}

module.exports = { ROUTES, SESSION, fixture, loadPage, opened, settle };
