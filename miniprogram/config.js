// The one setting a developer changes: where the Wenzheng server runs.
// In WeChat DevTools tick "不校验合法域名" (project.config.json sets urlCheck: false)
// for a local http:// server; a released mini-program needs an https:// 合法域名.
module.exports = {
  serverUrl: "http://127.0.0.1:8000",
  // How often the chat page asks for new lines (operator replies, notices).
  pollIntervalMs: 3000,
};
