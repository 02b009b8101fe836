// One-line embed: <script src="https://BOT-HOST/embed.js" async></script>
// (with many courses: https://BOT-HOST/courses/<slug>/embed.js)
// Inserts the bot's widget in an iframe where the script tag stands.
// Optional attributes on the script tag: data-height (default 600px), data-width (default 100%).
// It first asks the bot whether this page may show it (/embed/check): a page that is not
// allowed gets a short explanation instead of the browser's broken-frame icon.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  // The course's address: where this script was loaded from, without "/embed.js".
  const course = new URL(script.src).href.replace(/\/embed\.js([?#].*)?$/, "");

  function insertFrame(title) {
    const frame = document.createElement("iframe");
    frame.src = course + "/widget";
    frame.title = title || "Ask the course readings";
    frame.loading = "lazy";
    frame.style.width = script.dataset.width || "100%";
    frame.style.maxWidth = "100%";
    frame.style.height = script.dataset.height || "600px";
    frame.style.border = "1px solid #d1d9e0";
    frame.style.borderRadius = "8px";
    script.after(frame);
  }

  function explain(text) {
    const note = document.createElement("p");
    note.setAttribute("role", "note");
    note.className = "reading-assistant-refused";
    note.textContent = "The reading assistant cannot be shown here. " + text;
    note.style.border = "1px solid #d1d9e0";
    note.style.borderRadius = "8px";
    note.style.padding = "0.75em 1em";
    note.style.maxWidth = "40em";
    script.after(note);
  }

  fetch(course + "/embed/check", { credentials: "omit" })
    .then(function (response) { return response.json(); })
    .then(function (answer) {
      if (answer.allowed) insertFrame(answer.title);
      else explain(answer.how);
    })
    .catch(function () { insertFrame(); }); // the check is a courtesy: the frame decides
})();
