// The widget: asks /api/ask and shows the answer with its sources.
// Every piece of text goes in through textContent, never innerHTML: reading text is inert.
"use strict";

const log = document.getElementById("log");
const form = document.getElementById("ask");
const box = document.getElementById("question");
const button = document.getElementById("ask-button");
const questions = []; // earlier questions, so a follow-up is read in context
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

function citationItem(c) {
  const li = el("li");
  const head = el("div");
  head.append(el("strong", "[" + c.n + "] "), document.createTextNode(c.title));
  li.append(head);
  const meta = [c.author, c.date, c.page ? "page " + c.page : null].filter(Boolean).join(", ");
  if (meta) li.append(el("div", meta, "meta"));
  li.append(el("blockquote", "“" + c.extract.split(/\s+/).join(" ").trim() + "”"));
  const links = el("div", null, "meta");
  const passage = base + "/documents/" + c.doc_id.split("/").map(encodeURIComponent).join("/") +
    "?start=" + c.start + "&end=" + c.end +
    (c.version ? "&v=" + encodeURIComponent(c.version) : "") + "#extract";
  links.append(newTabLink(passage, "Open the reading here"));
  const source = c.source ? httpUrl(c.source) : null;
  if (source) {
    links.append(document.createTextNode(" · "), newTabLink(source, "Source ↗"));
  } else if (c.source) {
    links.append(document.createTextNode(" · Source: " + c.source));
  }
  li.append(links);
  return li;
}

function sourcesBlock(title, citations, open) {
  const details = el("details");
  details.open = open;
  details.append(el("summary", title + " (" + citations.length + ")"));
  const list = el("ol", null, "sources");
  citations.forEach((c) => list.append(citationItem(c)));
  details.append(list);
  return details;
}

function showAnswer(answer) {
  const turn = el("div", null, "turn-answer");
  turn.append(el("p", answer.answer));
  const readings = answer.readings || [];
  if (readings.length > 1) {  // one block per reading, in the order first cited
    readings.forEach((r) => {
      const cited = answer.citations.filter((c) => r.citations.includes(c.n));
      turn.append(sourcesBlock("Sources from “" + r.title + "”", cited, true));
    });
  } else if (answer.citations.length) {
    turn.append(sourcesBlock("Sources", answer.citations, true));
  }
  if (answer.closest && answer.closest.length) {
    turn.append(sourcesBlock("Closest passages, not an answer", answer.closest, false));
  }
  log.append(turn);
  turn.scrollIntoView({ block: "start" });
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

fetch(base + "/api/documents")
  .then((r) => (r.ok ? r.json() : []))
  .then((docs) => {
    if (docs.length) {
      document.getElementById("readings").textContent =
        "Answers are verbatim, cited extracts from " + docs.length +
        (docs.length === 1 ? " course reading." : " course readings.");
    }
  })
  .catch(() => {});
