// Where the Wenzheng server runs, per mini-program version
// (wx.getAccountInfoSync().miniProgram.envVersion):
// - develop: WeChat DevTools and 预览 on a phone — a local server over http://
//   (tick 「不校验合法域名」; project.config.json sets urlCheck: false). On a phone, use
//   the laptop's LAN address instead of 127.0.0.1.
// - trial (体验版) and release (正式版): an https:// 合法域名 registered in the admin console.
module.exports = {
  servers: {
    develop: "http://127.0.0.1:8000",
    trial: "https://wenzheng.example.gov.cn",
    release: "https://wenzheng.example.gov.cn",
  },
  // How often the chat page asks for new lines (operator replies, notices).
  pollIntervalMs: 3000,
  // Log-in retries before the page shows a 重试 button; the wait doubles each time.
  loginRetries: 3,
  loginRetryMs: 1000,
};
