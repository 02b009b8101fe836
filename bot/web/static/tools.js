// What the chat and the widget both offer on an answer: copy it with its references,
// say whether it helped, export the conversation as Markdown. Loaded by both pages
// (the chat's script and widget.js call window.ReadingTools); nothing here touches
// innerHTML: the text students copy and export is built as plain strings.
"use strict";

window.ReadingTools = (() => {
  // A turn of the conversation: {question, answer, citations: [{n, inText, reference, url}]}.

  // Markdown's active characters, backslash-escaped: a reading's text stays text in the export.
  function mdText(text) {
    return String(text).replace(/\s+/g, " ").trim().replace(/([\\`*_\[\]<>#!|~])/g, "\\$1");
  }

  function references(turn) {
    return [...new Set(turn.citations.map((c) => c.reference).filter(Boolean))];
  }

  // What "Copy with references" puts on the clipboard: plain text, ready to paste.
  function answerText(turn) {
    const lines = [turn.answer.replace(/\s+/g, " ").trim()];
    if (turn.citations.length) {
      lines.push("");
      turn.citations.forEach((c) => lines.push("[" + c.n + "] " + c.inText));
      lines.push("", "References");
      references(turn).forEach((r) => lines.push(r));
    }
    return lines.join("\n") + "\n";
  }

  // The whole conversation as Markdown, each answer followed by its references.
  function conversationMarkdown(title, turns, day) {
    const out = ["# " + mdText(title) + ": conversation", "",
      "Exported " + day + ". Answers are verbatim extracts from the course readings, " +
      "each followed by its sources.", ""];
    turns.forEach((turn, i) => {
      out.push("## " + (i + 1) + ". " + mdText(turn.question), "", mdText(turn.answer), "");
      if (!turn.citations.length) return;
      turn.citations.forEach((c) => {
        const url = c.url.replace(/[()\s]/g, encodeURIComponent); // already an encoded URL
        const where = c.url ? " — [the passage in the reading](" + url + ")" : "";
        out.push("- \\[" + c.n + "\\] " + mdText(c.inText) + where);
      });
      out.push("", "References:", "");
      references(turn).forEach((r) => out.push("- " + mdText(r)));
      out.push("");
    });
    return out.join("\n");
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) { // no Clipboard API (plain http), or no permission: the old way
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.append(area);
      area.select();
      let done = false;
      try {
        done = document.execCommand("copy");
      } catch (_) {
        done = false;
      }
      area.remove();
      return done;
    }
  }

  function download(name, text) {
    const url = URL.createObjectURL(new Blob([text], { type: "text/markdown;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // The button says what happened for a moment, then what it does again.
  function flash(button, text) {
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = text;
    setTimeout(() => { button.textContent = label; }, 2500);
  }

  async function sendFeedback(base, question, helpful) {
    try {
      const response = await fetch(base + "/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: question, helpful: helpful }),
      });
      return response.ok;
    } catch (_) {
      return false;
    }
  }

  // After a verdict: both buttons off, the chosen one pressed, and a thank-you said.
  function markFeedback(tools, chosen, sent) {
    tools.querySelectorAll("button.feedback-yes, button.feedback-no").forEach((b) => {
      b.disabled = true;
      b.setAttribute("aria-pressed", b === chosen ? "true" : "false");
    });
    let note = tools.querySelector(".thanks");
    if (!note) {
      note = document.createElement("span");
      note.className = "thanks";
      note.setAttribute("role", "status");
      tools.append(note);
    }
    note.textContent = sent ? "Thank you: your instructors see this, not who sent it."
      : "Your feedback could not be sent.";
  }

  function today() {
    return new Date().toISOString().slice(0, 10);
  }

  return { answerText, conversationMarkdown, copyText, download, flash, sendFeedback,
    markFeedback, today };
})();
