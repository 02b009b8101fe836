"""The admin page (``/admin``): readings (drop to upload, edit, preview, delete), reindex,
and insights. A static page: ``static/admin.js`` and ``static/insights.js`` fill it
from ``/api/admin`` with the token the instructor types (kept in the tab only).
"""

from __future__ import annotations

from bot.config import MIN_ADMIN_TOKEN_CHARS
from bot.course import Course
from bot.documents import SUPPORTED_SUFFIXES
from bot.web.pages import page
from bot.web.render import html_text

HOW_TO_ENABLE = (
    "Admin is disabled because BOT_ADMIN_TOKEN is not set. To enable it, start the app with "
    f"a secret of at least {MIN_ADMIN_TOKEN_CHARS} characters, e.g. "
    "BOT_ADMIN_TOKEN=\"$(python -c 'import secrets; print(secrets.token_urlsafe())')\" "
    "python app.py (or give the course its own token: see 'bot init')"
)


def admin_page(course: Course, disabled: str | None, max_upload_mb: float, base: str = "") -> str:
    """The admin page; ``disabled`` says why admin is off here (None: it is on)."""
    if disabled is not None:
        body = f"""<main class="admin">
<h1>Readings admin</h1>
<p class="notice" id="disabled">{html_text(disabled)}</p>
<p><a href="{base}/chat/">← Ask the readings</a></p>
</main>"""
        return page(
            f"Admin — {course.title}", body, base=base, lang=course.language, body_class="admin"
        )
    accept = ",".join(SUPPORTED_SUFFIXES)
    kinds = ", ".join(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
    body = f"""<main class="admin">
<h1>Readings admin</h1>
<p><a href="{base}/chat/">← Ask the readings</a> · <a href="{base}/guide">Guide to the
readings</a></p>
<form id="token-form" class="row">
<label for="token">Admin token</label>
<input type="password" id="token" autocomplete="current-password" required>
<button type="submit">Unlock</button>
</form>
<div id="panel" hidden>
<section aria-labelledby="add-heading">
<h2 id="add-heading">Add readings</h2>
<form id="upload-form">
<div class="dropzone" id="dropzone">
<label for="files">Drop readings here, or choose files</label>
<input type="file" id="files" multiple accept="{accept}" required>
</div>
<p class="muted">{kinds}; at most {max_upload_mb:g} MB each. Dropped files are uploaded at once;
a reading is answerable as soon as its upload finishes, and questions keep being answered
meanwhile.</p>
<button type="submit">Upload and index</button>
</form>
</section>
<section aria-labelledby="readings-heading">
<h2 id="readings-heading">Readings</h2>
<table id="documents"><thead><tr><th>Id</th><th>Title</th><th>Author</th><th>Date</th>
<th>Chunks</th><th>Status</th><th><span class="visually-hidden">Actions</span></th></tr>
</thead><tbody></tbody></table>
</section>
<section aria-labelledby="reindex-heading">
<h2 id="reindex-heading">Reindex</h2>
<p class="row"><label><input type="checkbox" id="rebuild"> embed everything again</label>
<button type="button" id="reindex">Reindex</button></p>
<p class="row"><progress id="progress" max="1" value="0" aria-label="Index update"></progress>
<span id="progress-text" class="muted"></span></p>
</section>
<section aria-labelledby="insights-heading" id="insights">
<h2 id="insights-heading">Insights</h2>
<p id="insights-about" class="muted"></p>
<div id="insights-body"></div>
<p class="row"><button type="button" id="insights-refresh">Refresh insights</button>
<button type="button" id="insights-csv">Download CSV</button></p>
</section>
</div>
<div id="messages" role="status" aria-live="polite"></div>
</main>
<dialog id="edit-dialog" aria-labelledby="edit-heading">
<form id="edit-form" method="dialog">
<h2 id="edit-heading">Edit reading</h2>
<p class="muted" id="edit-doc"></p>
<p><label for="edit-title">Title</label><input id="edit-title" required maxlength="300"></p>
<p><label for="edit-author">Author</label><input id="edit-author" maxlength="300"></p>
<p><label for="edit-date">Date</label><input id="edit-date" maxlength="10"
 placeholder="YYYY-MM-DD, YYYY-MM or YYYY" pattern="\\d{{4}}(-\\d{{2}}(-\\d{{2}})?)?"></p>
<p class="muted">Kept beside the file, so re-indexing keeps them; the reading is re-indexed
with them now.</p>
<p class="row"><button type="submit" value="save" class="primary">Save and re-index</button>
<button type="button" id="edit-cancel">Cancel</button></p>
</form>
</dialog>
<dialog id="text-dialog" aria-labelledby="text-heading">
<h2 id="text-heading">Extracted text</h2>
<p class="muted" id="text-about"></p>
<pre id="text-preview" tabindex="0" aria-labelledby="text-heading"></pre>
<p><button type="button" id="text-close">Close</button></p>
</dialog>"""
    return page(
        f"Admin — {course.title}",
        body,
        base=base,
        lang=course.language,
        script="admin.js",
        scripts=("insights.js",),
        body_class="admin",
    )
