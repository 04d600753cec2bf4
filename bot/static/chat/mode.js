// Runs in <head> before the first paint: restore the citizen's saved 长辈模式 (elderly mode).
try {
  if (localStorage.getItem("wenzheng.elderly") === "1") {
    document.documentElement.classList.add("elderly");
  }
} catch (e) {
  // Storage may be disabled (private browsing); the page then starts in standard mode.
}
