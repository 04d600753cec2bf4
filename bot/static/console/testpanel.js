// 命中测试: while the draft preview index is built (a few seconds after drafts change),
// say so and count the seconds instead of leaving a blank, frozen-looking page.
(() => {
  const form = document.getElementById("test-form");
  const status = document.getElementById("test-progress");
  if (!form || !status) return;
  form.addEventListener("submit", () => {
    const drafts = form.elements.over.value === "drafts";
    const started = Date.now();
    const show = () => {
      const seconds = Math.round((Date.now() - started) / 1000);
      status.textContent = drafts
        ? `正在生成含草稿的预览索引并测试……已用 ${seconds} 秒（草稿有变化后首次约 10 秒，之后很快）`
        : `正在测试……已用 ${seconds} 秒`;
    };
    show();
    status.hidden = false;
    setInterval(show, 1000);
  });
})();
