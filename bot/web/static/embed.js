// One-line embed: <script src="https://BOT-HOST/embed.js" async></script>
// Inserts the bot's widget in an iframe where the script tag stands.
// Optional attributes on the script tag: data-height (default 600px), data-width (default 100%).
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const origin = new URL(script.src).origin;
  const frame = document.createElement("iframe");
  frame.src = origin + "/widget";
  frame.title = "Ask the Big Society readings";
  frame.loading = "lazy";
  frame.style.width = script.dataset.width || "100%";
  frame.style.maxWidth = "100%";
  frame.style.height = script.dataset.height || "600px";
  frame.style.border = "1px solid #d1d9e0";
  frame.style.borderRadius = "8px";
  script.after(frame);
})();
