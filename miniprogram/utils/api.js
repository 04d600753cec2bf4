// The Wenzheng HTTP API for the mini-program. `request` is wx.request (injected so the
// logic runs under Node's test runner with a fake).

const DEFAULT_ERROR = "网络异常，请稍后再试";

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function createApi({ baseUrl, request, timeoutMs = 35000 }) {
  const root = baseUrl.replace(/\/+$/, "");

  function call(method, path, data) {
    return new Promise((resolve, reject) => {
      request({
        url: root + path,
        method,
        data,
        timeout: timeoutMs,
        header: { "Content-Type": "application/json" },
        success(res) {
          const body = res.data && typeof res.data === "object" ? res.data : {};
          if (res.statusCode >= 200 && res.statusCode < 300) {
            resolve(body);
          } else {
            reject(new ApiError(res.statusCode, body.error || "http_error", body.message || DEFAULT_ERROR));
          }
        },
        fail() {
          reject(new ApiError(0, "network_error", DEFAULT_ERROR));
        },
      });
    });
  }

  return {
    // wx.login code -> {session_id, max_chars, subscribe_templates, dev_login}.
    // `devUser` is used only by a server in development log-in mode; `fresh` starts 新对话.
    login(code, { devUser, fresh } = {}) {
      const data = { code };
      if (devUser) data.dev_user = devUser;
      if (fresh) data.new_conversation = true;
      return call("POST", "/api/v1/wechat/login", data);
    },
    // What wx.requestSubscribeMessage answered ({templateId: "accept" | "reject" | …}).
    subscribe(sessionId, results) {
      return call("POST", "/api/v1/wechat/subscribe", { session_id: sessionId, results });
    },
    // Send a line (text or button payload); resolves {session_id, user_message, messages, handoff}.
    send(sessionId, text) {
      return call("POST", "/api/v1/chat", { session_id: sessionId, text });
    },
    // Lines after the cursor; resolves {session_id, messages, handoff}.
    messagesAfter(sessionId, after) {
      return call("GET", `/api/v1/chat/${encodeURIComponent(sessionId)}/messages?after=${after}`);
    },
  };
}

module.exports = { ApiError, createApi, DEFAULT_ERROR };
