// Which server the mini-program talks to, from the version WeChat runs
// (develop / trial / release); anything but develop must be an https:// 合法域名.

function envVersion(wx) {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || "release";
  } catch (err) {
    return "release";
  }
}

// {url, env} or {error} (a Chinese message for the page) when the address is unusable.
function serverFor(config, env) {
  const url = config.servers[env] || config.servers.release;
  if (!url) return { env, error: "未配置服务器地址，请在 config.js 中设置" };
  if (env !== "develop" && !url.startsWith("https://")) {
    return { env, error: "体验版和正式版必须使用 https 合法域名，请修改 config.js" };
  }
  return { env, url };
}

// Whether WeChat's own font size is set larger than standard (长辈模式 by default then).
function prefersLargeText(wx) {
  try {
    const info = wx.getAppBaseInfo ? wx.getAppBaseInfo() : wx.getSystemInfoSync();
    return (info.fontSizeScaleFactor || 1) > 1.1 || (info.fontSizeSetting || 16) > 17;
  } catch (err) {
    return false;
  }
}

module.exports = { envVersion, prefersLargeText, serverFor };
