// The admin page: token in sessionStorage, sent as "Authorization: Bearer" to /api/admin.
// All text goes in through textContent, never innerHTML.
"use strict";

const TOKEN_KEY = "bot-admin-token";
const panel = document.getElementById("panel");
const messages = document.getElementById("messages");
const tbody = document.querySelector("#documents tbody");
const progress = document.getElementById("progress");
const progressText = document.getElementById("progress-text");

function say(text, isError) {
  const p = document.createElement("p");
  p.textContent = text;
  if (isError) p.className = "error";
  messages.prepend(p);
}

async function call(method, path, body) {
  const response = await fetch("/api/admin" + path, {
    method: method,
    headers: { Authorization: "Bearer " + (sessionStorage.getItem(TOKEN_KEY) || "") },
    body: body,
  });
  let payload = null;
  try {
    payload = await response.json();
  } catch (_) {
    payload = { detail: response.statusText };
  }
  if (!response.ok) {
    if (response.status === 401 || response.status === 403) panel.hidden = true;
    throw new Error(typeof payload.detail === "string" ? payload.detail : response.statusText);
  }
  return payload;
}

function summary(report) {
  if (!report) return "";
  let text = report.added.length + " added, " + report.updated.length + " updated, " +
    report.removed.length + " removed, " + report.unchanged.length + " unchanged; " +
    (report.chunks_embedded + (report.chunks_pooled || 0)) + " chunks embedded in " + report.seconds.toFixed(1) + " s";
  report.skipped.forEach((s) => { text += "; skipped " + s[0] + ": " + s[1]; });
  return text;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function refresh() {
  const rows = await call("GET", "/documents");
  panel.hidden = false;
  tbody.replaceChildren();
  rows.forEach((r) => {
    const tr = document.createElement("tr");
    tr.dataset.docId = r.doc_id;
    tr.append(cell(r.doc_id), cell(r.title), cell(r.author || "–"), cell(r.date || "–"),
      cell(String(r.chunks)), cell(r.status));
    const actions = document.createElement("td");
    const del = document.createElement("button");
    del.type = "button";
    del.textContent = "Delete";
    del.setAttribute("aria-label", "Delete " + r.doc_id);
    del.addEventListener("click", () => removeDocument(r.doc_id, del));
    actions.append(del);
    tr.append(actions);
    tbody.append(tr);
  });
}

async function removeDocument(docId, button) {
  if (button.dataset.armed !== "yes") { // a second click confirms
    button.dataset.armed = "yes";
    button.textContent = "Click again to delete";
    return;
  }
  button.disabled = true;
  try {
    const result = await call("DELETE", "/documents/" + docId.split("/").map(encodeURIComponent).join("/"));
    say("Deleted " + docId + ": " + summary(result.report));
  } catch (error) {
    say(error.message, true);
  }
  await refresh().catch((error) => say(error.message, true));
}

function showProgress(state) {
  if (state.total) {
    progress.max = state.total;
    progress.value = state.done;
  } else {
    progress.removeAttribute("value"); // indeterminate while nothing is being embedded
  }
  const count = state.total ? " — " + state.done + " of " + state.total + " chunks embedded" : "";
  if (state.running) {
    progressText.textContent = state.action + " running" + count;
  } else if (state.error) {
    progressText.textContent = state.action + " failed: " + state.error;
  } else if (state.report) {
    progress.max = 1;
    progress.value = 1;
    progressText.textContent = state.action + " done: " + summary(state.report);
  } else if (state.action) {
    progressText.textContent = state.action + " stopped; see the server log";
  }
}

async function watch(untilDone) {
  for (;;) {
    const state = await call("GET", "/progress");
    showProgress(state);
    if (!state.running || !untilDone()) return state;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

async function upload(file) {
  let finished = false;
  const watching = watch(() => !finished).catch(() => {});
  try {
    const result = await call("PUT", "/documents/" + encodeURIComponent(file.name), file);
    say("Uploaded " + file.name + ": " + summary(result.report));
  } catch (error) {
    say(file.name + ": " + error.message, true);
  } finally {
    finished = true;
    await watching;
  }
}

document.getElementById("token-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value);
  try {
    await refresh();
    say("Unlocked.");
    showProgress(await call("GET", "/progress"));
  } catch (error) {
    say(error.message, true);
  }
});

document.getElementById("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("files");
  const button = event.submitter;
  button.disabled = true;
  for (const file of input.files) await upload(file);
  button.disabled = false;
  input.value = "";
  await refresh().catch((error) => say(error.message, true));
});

document.getElementById("reindex").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    const rebuild = document.getElementById("rebuild").checked;
    await call("POST", "/reindex?rebuild=" + rebuild);
    const state = await watch(() => true);
    if (state.error) say(state.error, true);
    else say("Reindex done: " + summary(state.report));
  } catch (error) {
    say(error.message, true);
  }
  button.disabled = false;
  await refresh().catch((error) => say(error.message, true));
});

if (sessionStorage.getItem(TOKEN_KEY)) {
  refresh().catch(() => {});
}
