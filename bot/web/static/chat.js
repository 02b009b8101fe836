() => {
  // The chat page's own behaviour, run once by Gradio (mount_gradio_app(js=...)): the
  // answers' [n] markers open their source, "Copy with references", "Cite", helpful /
  // not helpful, and the Markdown export. Everything is read from the conversation as
  // shown (its text through textContent) and nothing is written with innerHTML.
  // static/tools.js (loaded in the page's head) formats what is copied and exported.
  const base = location.pathname.replace(/\/chat(\/.*)?$/, ""); // "" or /courses/<slug>
  const tools = () => window.ReadingTools;

  // Gradio's label wraps the question box and its Ask button, so the box would be named
  // "Your question Ask"; name it by its label alone.
  const name = () => {
    const box = document.querySelector("#question textarea");
    if (box && box.getAttribute("aria-label") !== "Your question") {
      box.setAttribute("aria-label", "Your question");
    }
  };
  name();
  new MutationObserver(name).observe(document.body, { childList: true, subtree: true });

  const text = (node) => (node ? node.textContent.replace(/\s+/g, " ").trim() : "");

  // The conversation as turns: a question, then the bot's messages up to the next question.
  function turns() {
    const found = [];
    document.querySelectorAll('#chat [data-testid="user"], #chat [data-testid="bot"]')
      .forEach((message) => {
        if (message.dataset.testid === "user") {
          found.push({ question: text(message), answer: "", citations: [], messages: [] });
          return;
        }
        const turn = found[found.length - 1];
        if (!turn) return;
        turn.messages.push(message);
        const answer = message.querySelector(".answer-text");
        if (answer) turn.answer = text(answer);
        message.querySelectorAll(".citation").forEach((c) => {
          const link = [...c.querySelectorAll("a")].find((a) => a.pathname.includes("/documents/"));
          turn.citations.push({
            n: Number(c.id.split("-").pop()),
            inText: text(c.querySelector(".in-text")),
            reference: text(c.querySelector(".reference")),
            url: link ? link.href : "",
          });
        });
      });
    return found;
  }

  const turnOf = (node) => turns().find((t) => t.messages.some((m) => m.contains(node)));

  function openSource(marker) {
    const target = document.getElementById(marker.getAttribute("href").slice(1));
    if (!target) return;
    for (let d = target.closest("details"); d; d = d.parentElement.closest("details")) {
      d.open = true;
    }
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  document.addEventListener("click", async (event) => {
    const marker = event.target.closest("#chat a.cite-marker");
    if (marker) {
      event.preventDefault();
      openSource(marker);
      return;
    }
    const button = event.target.closest("button");
    if (!button) return;
    if (button.id === "export") {
      const all = turns().filter((t) => t.answer);
      if (!all.length) {
        tools().flash(button, "Nothing to export yet");
        return;
      }
      const markdown = tools().conversationMarkdown(document.title, all, tools().today());
      tools().download("conversation-" + tools().today() + ".md", markdown);
      return;
    }
    if (!button.closest("#chat")) return;
    if (button.classList.contains("copy-answer")) {
      const turn = turnOf(button);
      const copied = turn && (await tools().copyText(tools().answerText(turn)));
      tools().flash(button, copied ? "Copied" : "Could not copy: select the text instead");
    } else if (button.classList.contains("copy-reference")) {
      const cite = button.closest("details.cite");
      const copied = await tools().copyText(text(cite.querySelector(".reference")) + "\n");
      tools().flash(button, copied ? "Copied" : "Could not copy: select the text instead");
    } else if (button.matches(".feedback-yes, .feedback-no")) {
      const turn = turnOf(button);
      const helpful = button.classList.contains("feedback-yes");
      const sent = Boolean(turn) && (await tools().sendFeedback(base, turn.question, helpful));
      tools().markFeedback(button.closest(".answer-tools"), button, sent);
    }
  });
}
