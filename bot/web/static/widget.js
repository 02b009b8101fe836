// The widget: asks /api/ask and shows the answer with its sources; its [n] markers open
// their source; each answer can be copied with its references and marked helpful or not;
// each source can be cited (Harvard); the conversation can be exported as Markdown.
// Every piece of text goes in through textContent, never innerHTML: reading text is inert.
// static/tools.js (loaded first) formats what is copied and exported.
"use strict";

const log = document.getElementById("log");
const form = document.getElementById("ask");
const box = document.getElementById("question");
const button = document.getElementById("ask-button");
const questions = []; // earlier questions, so a follow-up is read in context
const turns = []; // what was asked and answered, for the export
const base = document.body.dataset.base || ""; // where the course is served: "" or /courses/<slug>

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function httpUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch (_) {
    return null;
  }
}

function newTabLink(href, text) {
  const a = el("a", text);
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener";
  return a;
}

function passageUrl(c) {
  return base + "/documents/" + c.doc_id.split("/").map(encodeURIComponent).join("/") +
    "?start=" + c.start + "&end=" + c.end +
    (c.version ? "&v=" + encodeURIComponent(c.version) : "") + "#extract";
}

function button_(text, className) {
  const b = el("button", text, className);
  b.type = "button";
  return b;
}

function citeBlock(c) {
  const details = el("details", null, "cite");
  details.append(el("summary", "Cite [" + c.n + "]"));
  const inText = el("p", "In the text: ");
  inText.append(el("span", c.in_text, "in-text"));
  const ref = el("p", "Reference: ");
  ref.append(el("span", c.reference, "reference"));
  const copy = button_("Copy reference", "copy-reference");
  copy.addEventListener("click", async () => {
    const copied = await ReadingTools.copyText(c.reference + "\n");
    ReadingTools.flash(copy, copied ? "Copied" : "Could not copy: select the text instead");
  });
  details.append(inText, ref, copy);
  return details;
}

function citationItem(c, turn, cited) {
  const li = el("li");
  if (cited) {
    li.id = "w" + turn + "-" + c.n;
    li.tabIndex = -1;
  }
  const head = el("div");
  head.append(el("strong", "[" + c.n + "] "), document.createTextNode(c.title));
  li.append(head);
  const meta = [c.author, c.date, c.page ? "page " + c.page : null].filter(Boolean).join(", ");
  if (meta) li.append(el("div", meta, "meta"));
  li.append(el("blockquote", "“" + c.extract.split(/\s+/).join(" ").trim() + "”"));
  const links = el("div", null, "meta");
  links.append(newTabLink(passageUrl(c), "Open the reading here"));
  const source = c.source ? httpUrl(c.source) : null;
  if (source) {
    links.append(document.createTextNode(" · "), newTabLink(source, "Source ↗"));
  } else if (c.source) {
    links.append(document.createTextNode(" · Source: " + c.source));
  }
  li.append(links);
  if (cited) li.append(citeBlock(c));
  return li;
}

function sourcesBlock(title, citations, open, turn, cited) {
  const details = el("details");
  details.open = open;
  details.append(el("summary", title + " (" + citations.length + ")"));
  const list = el("ol", null, "sources");
  citations.forEach((c) => list.append(citationItem(c, turn, cited)));
  details.append(list);
  return details;
}

// The answer's text, each [n] of a citation a link that opens and shows its source.
function answerParagraph(answer, turn) {
  const p = el("p", null, "answer-text");
  const numbers = new Set(answer.citations.map((c) => c.n));
  answer.answer.split(/(\[\d+\])/).forEach((piece) => {
    const n = /^\[(\d+)\]$/.exec(piece);
    if (!n || !numbers.has(Number(n[1]))) {
      p.append(document.createTextNode(piece));
      return;
    }
    const a = el("a", piece, "cite-marker");
    a.href = "#w" + turn + "-" + n[1];
    a.setAttribute("aria-label", "source " + n[1]);
    a.addEventListener("click", (event) => {
      event.preventDefault();
      const target = document.getElementById("w" + turn + "-" + n[1]);
      if (!target) return;
      target.closest("details").open = true;
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    });
    p.append(a);
  });
  return p;
}

function answerTools(record) {
  const tools = el("div", null, "answer-tools");
  const copy = button_("Copy with references", "copy-answer");
  copy.addEventListener("click", async () => {
    const copied = await ReadingTools.copyText(ReadingTools.answerText(record));
    ReadingTools.flash(copy, copied ? "Copied" : "Could not copy: select the text instead");
  });
  tools.append(copy);
  [["Helpful", "feedback-yes", true], ["Not helpful", "feedback-no", false]].forEach(([label, cls, yes]) => {
    const b = button_(label, cls);
    b.addEventListener("click", async () => {
      const sent = await ReadingTools.sendFeedback(base, record.question, yes);
      ReadingTools.markFeedback(tools, b, sent);
    });
    tools.append(b);
  });
  return tools;
}

function showAnswer(answer) {
  const turn = turns.length + 1;
  const record = {
    question: answer.question,
    answer: answer.answer,
    citations: answer.citations.map((c) => ({
      n: c.n, inText: c.in_text, reference: c.reference,
      url: new URL(passageUrl(c), location.href).href,
    })),
  };
  turns.push(record);
  const div = el("div", null, "turn-answer");
  div.append(answerParagraph(answer, turn), answerTools(record));
  const readings = answer.readings || [];
  if (readings.length > 1) {  // one block per reading, in the order first cited
    readings.forEach((r) => {
      const cited = answer.citations.filter((c) => r.citations.includes(c.n));
      div.append(sourcesBlock("Sources from “" + r.title + "”", cited, true, turn, true));
    });
  } else if (answer.citations.length) {
    div.append(sourcesBlock("Sources", answer.citations, true, turn, true));
  }
  if (answer.closest && answer.closest.length) {
    div.append(sourcesBlock("Closest passages, not an answer", answer.closest, false, turn, false));
  }
  log.append(div);
  div.scrollIntoView({ block: "start" });
}

async function ask(question) {
  if (!question.trim()) return;
  document.getElementById("examples").hidden = true; // room for the conversation
  log.append(el("div", question, "turn-question"));
  button.disabled = true;
  box.value = "";
  try {
    const response = await fetch(base + "/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: question, history: questions.slice(-5) }),
    });
    const body = await response.json();
    if (!response.ok) {
      const detail = typeof body.detail === "string" ? body.detail : "the question was refused";
      log.append(el("div", detail, "turn-answer turn-error"));
      return;
    }
    questions.push(body.question);
    showAnswer(body);
  } catch (_) {
    log.append(el("div", "The bot could not be reached; try again in a moment.", "turn-answer turn-error"));
  } finally {
    button.disabled = false;
    box.focus();
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  ask(box.value);
});
box.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    ask(box.value);
  }
});
document.querySelectorAll("#examples button").forEach((b) => {
  b.addEventListener("click", () => ask(b.textContent));
});
document.getElementById("export").addEventListener("click", (event) => {
  if (!turns.length) {
    ReadingTools.flash(event.currentTarget, "Nothing to export yet");
    return;
  }
  const title = document.querySelector(".widget-head h1").textContent;
  const markdown = ReadingTools.conversationMarkdown(title, turns, ReadingTools.today());
  ReadingTools.download("conversation-" + ReadingTools.today() + ".md", markdown);
});
document.getElementById("new").addEventListener("click", () => {
  log.replaceChildren();
  questions.length = 0;
  turns.length = 0;
  document.getElementById("examples").hidden = false;
  box.focus();
});

fetch(base + "/api/documents")
  .then((r) => (r.ok ? r.json() : []))
  .then((docs) => {
    if (docs.length) {
      document.getElementById("readings").firstChild.textContent =
        "Answers are verbatim, cited extracts from " + docs.length +
        (docs.length === 1 ? " course reading. " : " course readings. ");
    }
  })
  .catch(() => {});
