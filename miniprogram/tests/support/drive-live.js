// Opens the chat page against a running Wenzheng server, as WeChat DevTools would on first
// open (envVersion develop, no AppID: wx.login fails), asks one question and prints what
// the page shows as JSON. Used by tests/wechat/test_miniprogram_live.py.
//   node drive-live.js http://127.0.0.1:PORT "question"
const http = require("node:http");

const [serverUrl, question] = process.argv.slice(2);
const config = require("../../config");
config.servers.develop = serverUrl;
config.loginRetryMs = 50; // the retries, not their patience, are under test

const storage = {};
global.wx = {
  getAccountInfoSync: () => ({ miniProgram: { envVersion: "develop", appId: "touristappid" } }),
  getAppBaseInfo: () => ({ fontSizeScaleFactor: 1, fontSizeSetting: 16 }),
  login: ({ fail }) => fail({ errMsg: "login:fail 游客模式下无法调用" }),
  getStorageSync: (key) => storage[key],
  setStorageSync: (key, value) => {
    storage[key] = value;
  },
  request({ url, method, data, header, success, fail }) {
    const body = data === undefined || method === "GET" ? null : JSON.stringify(data);
    const req = http.request(url, { method, headers: header }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          // wx.request also hands over non-JSON bodies as text
        }
        success({ statusCode: res.statusCode, data: parsed });
      });
    });
    req.on("error", (err) => fail({ errMsg: `request:fail ${err.message}` }));
    if (body) req.write(body);
    req.end();
  },
};
let definition;
global.Page = (def) => {
  definition = def;
};
require("../../pages/chat/chat.js");
const page = Object.assign(Object.create(definition), {
  data: JSON.parse(JSON.stringify(definition.data)),
  setData(update) {
    for (const [key, value] of Object.entries(update)) {
      const keys = key.replace(/\[(\d+)\]/g, ".$1").split(".");
      let node = this.data;
      for (const k of keys.slice(0, -1)) node = node[k];
      node[keys[keys.length - 1]] = value;
    }
  },
});

const until = async (predicate, ms = 20000) => {
  const end = Date.now() + ms;
  while (!predicate() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
};

(async () => {
  page.onLoad();
  await until(() => page.data.ready || page.data.loginFailed);
  const ready = page.data.ready;
  if (ready) {
    page.onInput({ detail: { value: question } });
    page.onSend();
    await until(() => !page.data.sending && page.data.messages.length > 1);
  }
  page.onUnload();
  const shown = page.data.messages.map((m) => ({ role: m.role, text: m.text, buttons: m.buttons.map((b) => b.title) }));
  process.stdout.write(JSON.stringify({ ready, error: page.data.error, session: page.sessionId, messages: shown }));
})();
