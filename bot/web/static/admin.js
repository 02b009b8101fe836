// The admin page: token in sessionStorage, sent as "Authorization: Bearer" to /api/admin.
// Readings: drop (or choose) files to upload, edit a title, author or date, preview the
// text extracted, delete; reindex. (static/insights.js shows the insights.)
// All text goes in through textContent, never innerHTML.
"use strict";

const base = document.body.dataset.base || ""; // where the course is served: "" or /courses/<slug>
const TOKEN_KEY = "bot-admin-token" + base; // one token per course
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

async function call(method, path, body, type) {
  const headers = { Authorization: "Bearer " + (sessionStorage.getItem(TOKEN_KEY) || "") };
  if (type) headers["Content-Type"] = type;
  const response = await fetch(base + "/api/admin" + path, {
    method: method,
    headers: headers,
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

// What static/insights.js uses: the same token and the same messages.
window.AdminApi = { call: call, say: (text, isError) => say(text, isError), base: base,
  token: () => sessionStorage.getItem(TOKEN_KEY) || "" };

function summary(report) {
  if (!report) return "";
  let text = report.added.length + " added, " + report.updated.length + " updated, " +
    report.removed.length + " removed, " + report.unchanged.length + " unchanged; " +
    (report.chunks_embedded + (report.chunks_pooled || 0)) + " chunks embedded in " + report.seconds.toFixed(1) + " s";
  report.skipped.forEach((s) => { text += "; skipped " + s[0] + ": " + s[1]; });
  return text;
}

// On a phone the table's rows become cards: each cell shows its column's name (data-label).
function cell(text, label) {
  const td = document.createElement("td");
  td.textContent = text;
  td.dataset.label = label;
  return td;
}

function action(text, label, handler) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  button.setAttribute("aria-label", label);
  button.addEventListener("click", handler);
  return button;
}

const documentPath = (docId) => "/documents/" + docId.split("/").map(encodeURIComponent).join("/");

async function refresh() {
  const rows = await call("GET", "/documents");
  panel.hidden = false;
  document.dispatchEvent(new CustomEvent("admin:unlocked"));
  tbody.replaceChildren();
  rows.forEach((r) => {
    const tr = document.createElement("tr");
    tr.dataset.docId = r.doc_id;
    tr.append(cell(r.doc_id, "Id"), cell(r.title, "Title"), cell(r.author || "–", "Author"),
      cell(r.date || "–", "Date"), cell(String(r.chunks), "Chunks"), cell(r.status, "Status"));
    const actions = document.createElement("td");
    actions.className = "actions";
    const del = action("Delete", "Delete " + r.doc_id, () => removeDocument(r.doc_id, del));
    actions.append(
      action("Edit", "Edit " + r.doc_id, () => editDocument(r)),
      action("Text", "Extracted text of " + r.doc_id, () => previewDocument(r.doc_id)),
      del,
    );
    tr.append(actions);
    tbody.append(tr);
  });
}

// Title, author and date, corrected beside the file (PATCH), then re-indexed.
const editDialog = document.getElementById("edit-dialog");
const editForm = document.getElementById("edit-form");
let editing = null;

function editDocument(row) {
  editing = row;
  document.getElementById("edit-doc").textContent = row.doc_id;
  document.getElementById("edit-title").value = row.title;
  document.getElementById("edit-author").value = row.author || "";
  document.getElementById("edit-date").value = row.date || "";
  editDialog.showModal();
}

editForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!editing) return;
  const row = editing;
  const save = editForm.querySelector('button[type="submit"]');
  save.disabled = true;
  try {
    const result = await call("PATCH", documentPath(row.doc_id), JSON.stringify({
      title: document.getElementById("edit-title").value,
      author: document.getElementById("edit-author").value,
      date: document.getElementById("edit-date").value,
    }), "application/json");
    say("Saved " + row.doc_id + ": " + summary(result.report));
    editDialog.close();
  } catch (error) {
    say(row.doc_id + ": " + error.message, true);
  } finally {
    save.disabled = false;
  }
  await refresh().catch((error) => say(error.message, true));
});
document.getElementById("edit-cancel").addEventListener("click", () => editDialog.close());

// The text extracted from a reading, as it is indexed and cited: broken extraction shows.
const textDialog = document.getElementById("text-dialog");

async function previewDocument(docId) {
  try {
    const result = await call("GET", documentPath(docId) + "/text");
    document.getElementById("text-heading").textContent = "Extracted text: " + result.title;
    document.getElementById("text-about").textContent = result.doc_id + " — " +
      result.chars.toLocaleString("en") + " characters" +
      (result.pages ? ", " + result.pages + " pages" : "");
    document.getElementById("text-preview").textContent = result.text;
    textDialog.showModal();
  } catch (error) {
    say(docId + ": " + error.message, true);
  }
}
document.getElementById("text-close").addEventListener("click", () => textDialog.close());

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

const uploadButton = document.querySelector('#upload-form button[type="submit"]');

async function uploadAll(files) {
  uploadButton.disabled = true;
  for (const file of files) await upload(file);
  uploadButton.disabled = false;
  document.getElementById("files").value = "";
  await refresh().catch((error) => say(error.message, true));
}

document.getElementById("upload-form").addEventListener("submit", (event) => {
  event.preventDefault();
  uploadAll([...document.getElementById("files").files]);
});

// Files dropped on the zone are uploaded at once; the zone is the file input's label too,
// so the keyboard (and a click) opens the file chooser as before.
const dropzone = document.getElementById("dropzone");
["dragenter", "dragover"].forEach((type) => dropzone.addEventListener(type, (event) => {
  event.preventDefault();
  dropzone.classList.add("dragging");
}));
["dragleave", "drop"].forEach((type) => dropzone.addEventListener(type, () => {
  dropzone.classList.remove("dragging");
}));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  const files = [...((event.dataTransfer && event.dataTransfer.files) || [])];
  if (files.length && !uploadButton.disabled) uploadAll(files);
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
