"""The admin API's corrections and previews over HTTP (the fake embedder): a corrected
title, author or date is checked, kept beside the file, used by citations and kept
through reindexing; the text a reading gives can be read back. Uploads, deletes and
reindexing are in test_web_api.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.metadata import FILE
from tests.conftest import FIXTURES, SEED_ID, SHIPPED_DOCS, FakeEmbedder
from tests.test_web_api import AUTH, HOSTILE_ID, TOKEN, serve_app

ASPLEY = "Why did co-production fail in Aspley?"


@pytest.fixture
def web(tmp_path: Path) -> Iterator:  # type: ignore[no-untyped-def]
    readings = [SHIPPED_DOCS / SEED_ID, FIXTURES / HOSTILE_ID]
    yield from serve_app(tmp_path, FakeEmbedder(), readings, admin_token=TOKEN)


def reindex(web) -> None:  # type: ignore[no-untyped-def]
    assert web.post("/api/admin/reindex?rebuild=true", headers=AUTH).status_code == 202
    deadline = time.monotonic() + 60
    while web.get("/api/admin/progress", headers=AUTH).json()["running"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_correction_is_cited_and_kept_through_reindexing(web) -> None:  # type: ignore[no-untyped-def]
    fields = {"title": "Co-production in Aspley", "author": "S. Roberts", "date": "2015-04"}
    response = web.patch(f"/api/admin/documents/{SEED_ID}", json=fields, headers=AUTH)
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in fields} == fields
    assert response.json()["report"]["updated"] == [SEED_ID]
    assert (web.bot.settings.docs_dir / FILE).is_file()
    reindex(web)
    cited = web.post("/api/ask", json={"question": ASPLEY}).json()["citations"]
    seed = [c for c in cited if c["doc_id"] == SEED_ID]
    assert seed and {(c["title"], c["author"], c["date"]) for c in seed} == {
        ("Co-production in Aspley", "S. Roberts", "2015-04")
    }
    assert seed[0]["reference"].startswith("Roberts, S. (2015) Co-production in Aspley.")
    rows = {r["doc_id"]: r for r in web.get("/api/admin/documents", headers=AUTH).json()}
    assert (rows[SEED_ID]["title"], rows[SEED_ID]["status"]) == (fields["title"], "indexed")
    back = web.patch(f"/api/admin/documents/{SEED_ID}", json={"title": None}, headers=AUTH)
    assert back.json()["title"] == "Whatever happened to Cameron's Big Society?"
    assert back.json()["author"] == "S. Roberts"  # the other corrections stay


@pytest.mark.parametrize(
    ("doc_id", "body", "status", "message"),
    [
        (SEED_ID, {"date": "10 April 2015"}, 422, "write it as YYYY-MM-DD"),
        (SEED_ID, {"title": "   "}, 422, "the title must not be empty"),
        (SEED_ID, {"title": "x" * 301}, 422, "title"),
        (SEED_ID, {"licence": "CC0"}, 422, "licence"),
        (SEED_ID, {}, 422, "nothing to correct"),
        ("nope.md", {"title": "T"}, 404, "'nope.md'"),
        ("..%2Fcourse.toml", {"title": "T"}, 404, "is not a reading"),
        ("..%2F..%2Fetc%2Fpasswd.md", {"title": "T"}, 404, "'../../etc/passwd.md'"),
    ],
)
def test_a_bad_correction_changes_nothing(web, doc_id, body, status, message) -> None:  # type: ignore[no-untyped-def]
    response = web.patch(f"/api/admin/documents/{doc_id}", json=body, headers=AUTH)
    assert response.status_code == status and message in response.json()["detail"]
    assert not (web.bot.settings.docs_dir / FILE).exists()
    assert str(web.bot.settings.docs_dir) not in response.json()["detail"]  # no server paths


def test_the_extracted_text_can_be_previewed(web) -> None:  # type: ignore[no-untyped-def]
    response = web.get(f"/api/admin/documents/{HOSTILE_ID}/text", headers=AUTH)
    assert response.status_code == 200
    preview = response.json()
    assert preview["text"] == web.bot.store.documents[HOSTILE_ID].text
    assert preview["chars"] == len(preview["text"]) and preview["pages"] == 0
    assert "<script>alert('script')</script>" in preview["text"]  # JSON; the page uses textContent
    docs = web.bot.settings.docs_dir
    (docs / "new.txt").write_text("A reading not indexed yet, about parks.")
    assert web.get("/api/admin/documents/new.txt/text", headers=AUTH).json()["text"] == (
        "A reading not indexed yet, about parks."
    )
    (docs / "bad.txt").write_bytes(b"\xff\xfe bad bytes")
    bad = web.get("/api/admin/documents/bad.txt/text", headers=AUTH)
    assert bad.status_code == 422 and "bad.txt' is not valid UTF-8" in bad.json()["detail"]
    assert web.get(f"/api/admin/documents/{SEED_ID}/text").status_code == 401
    assert web.get("/api/admin/documents/nope.md/text", headers=AUTH).status_code == 404


def test_the_admin_page_offers_drop_edit_preview_and_insights(web) -> None:  # type: ignore[no-untyped-def]
    page = web.get("/admin").text
    assert '<div class="dropzone" id="dropzone">' in page
    assert '<input type="file" id="files" multiple' in page  # also reachable by keyboard
    assert '<dialog id="edit-dialog"' in page and '<dialog id="text-dialog"' in page
    assert '<section aria-labelledby="insights-heading" id="insights">' in page
    assert '<script src="/static/admin.js" defer></script>' in page
    assert '<script src="/static/insights.js" defer></script>' in page
