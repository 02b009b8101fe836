"""What instructors get, in real Chromium: insights (what students ask, what the readings
do not answer, feedback, CSV) with nothing identifying stored; readings dropped on the
page, corrected, previewed, as cards on a phone.

The app, course pages and browser are set up once per session (``tests/browser_site.py``).
With ``BOT_SCREENSHOTS=docs`` these tests also save the README's screenshots.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from bot.insights import FILE
from tests.browser_site import ASPLEY, TOKEN, Site, api, api_ask, screenshot, wait_for_chat_answer

pytestmark = pytest.mark.browser

GAP = "How many allotment plots did Sneinton council sell in 1987?"
COOKIE = "student-cookie-3f9a1c"


def unlock(page: Any, site: Site) -> None:
    page.goto(site.app + "/admin")
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Unlock").click()
    page.locator("#documents tbody tr").first.wait_for()


def test_insights_show_what_students_ask_and_what_the_readings_miss(page: Any, site: Site) -> None:
    from playwright.sync_api import expect

    assert not api_ask(site, GAP)["answered"]
    api_ask(site, ASPLEY)
    api(site, "POST", "/api/feedback", {"question": ASPLEY, "helpful": True})
    unlock(page, site)
    insights = page.locator("#insights")
    expect(insights.locator("#insights-about")).to_contain_text("Questions are kept 90 days")
    expect(insights.locator("#insights-about")).to_contain_text("no address, cookie or account")
    expect(insights.locator(".insights-summary")).to_contain_text("questions asked")
    expect(insights.locator("ol.gaps")).to_contain_text(GAP)  # a gap in the readings
    row = insights.locator("#insights-questions tbody tr", has_text=ASPLEY)
    expect(row.locator("td").nth(2)).to_have_text("yes")
    assert int(row.locator("td").nth(3).inner_text()) >= 1  # helpful
    expect(insights.locator("ol.cited")).to_contain_text("Whatever happened to Cameron's")
    expect(insights.locator(".insights-table").first.locator("tbody tr")).not_to_have_count(0)
    screenshot(insights, "admin-insights.png")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert {"day", "question", "asked", "answered"} <= set(rows[0])
    assert any(r["question"] == GAP and r["answered"] == "no" for r in rows)


def test_nothing_identifying_a_student_is_stored(page: Any, site: Site) -> None:
    from playwright.sync_api import expect

    question = "What happened to public parks and libraries?"
    page.context.add_cookies([{"name": "moodle_session", "value": COOKIE, "url": site.app}])
    page.goto(site.app + "/chat/")
    page.get_by_role("button", name=question).click()
    wait_for_chat_answer(page, 1)
    page.get_by_role("button", name="Helpful", exact=True).click()
    expect(page.locator("#chat .thanks")).to_be_visible()
    agent = page.evaluate("navigator.userAgent")
    files = sorted(site.root.glob(FILE + "*"))
    written = b"".join(p.read_bytes() for p in files)
    assert question.encode() in written  # the question is what is kept ...
    for secret in ("127.0.0.1", "localhost", COOKIE, "moodle_session", agent, "HeadlessChrome"):
        assert secret.encode() not in written, secret  # ... and nothing about who asked


def drop(page: Any, selector: str, name: str, text: str) -> None:
    """Drop a file on ``selector`` as a person dragging it from their desktop would."""
    transfer = page.evaluate_handle(
        """([name, text]) => { const t = new DataTransfer();
            t.items.add(new File([text], name, {type: 'text/plain'})); return t; }""",
        [name, text],
    )
    for event in ("dragenter", "dragover", "drop"):
        page.dispatch_event(selector, event, {"dataTransfer": transfer})


NOTES = "allotment-notes.txt"
NOTES_TEXT = (
    "Allotment notes\n\nThe Lenton allotment society keeps forty plots, and its waiting list "
    "grew to ninety names in the spring.\n"
)


def test_a_dropped_reading_is_indexed_corrected_previewed_and_deleted(
    page: Any, site: Site
) -> None:
    from playwright.sync_api import expect

    unlock(page, site)
    drop(page, "#dropzone", NOTES, NOTES_TEXT)
    expect(page.locator("#messages")).to_contain_text(f"Uploaded {NOTES}: 1 added")
    row = page.locator(f'tr[data-doc-id="{NOTES}"]')
    expect(row).to_contain_text("indexed")

    row.get_by_role("button", name=f"Edit {NOTES}").click()
    dialog = page.locator("#edit-dialog")
    expect(dialog.get_by_label("Title")).to_have_value("Allotment notes")
    dialog.get_by_label("Title").fill("Lenton allotment society: plots and waiting list")
    dialog.get_by_label("Author").fill("Jo Gardener")
    dialog.get_by_label("Date").fill("2012-03")
    dialog.get_by_role("button", name="Save and re-index").click()
    expect(page.locator("#messages")).to_contain_text(f"Saved {NOTES}: 0 added, 1 updated")
    expect(dialog).not_to_be_visible()
    title = "Lenton allotment society: plots and waiting list"
    expect(row.locator("td").nth(1)).to_have_text(title)
    cited = api_ask(site, "How long is the Lenton allotment waiting list?")["citations"]
    mine = [c for c in cited if c["doc_id"] == NOTES]
    assert mine and mine[0]["title"].startswith("Lenton allotment society")
    assert mine[0]["reference"].startswith("Gardener, J. (2012) Lenton allotment society")

    row.get_by_role("button", name=f"Extracted text of {NOTES}").click()
    preview = page.locator("#text-dialog")
    expect(preview.locator("#text-preview")).to_have_text(re.compile("^Allotment notes"))
    chars = api(site, "GET", f"/api/admin/documents/{NOTES}/text", token=TOKEN)["chars"]
    expect(preview.locator("#text-about")).to_have_text(f"{NOTES} — {chars} characters")
    preview.get_by_role("button", name="Close").click()

    delete = row.get_by_role("button", name=f"Delete {NOTES}")
    delete.click()
    delete.click()
    expect(page.locator("#messages")).to_contain_text(f"Deleted {NOTES}")
    expect(page.locator(f'tr[data-doc-id="{NOTES}"]')).to_have_count(0)
    corrections = site.root / "documents" / ".meta.json"
    assert not corrections.exists() or NOTES not in corrections.read_text()


def test_on_a_phone_each_reading_is_a_card_naming_its_fields(page: Any, site: Site) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    unlock(page, site)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing off-screen
    card = page.locator("#documents tbody tr").first
    labels = card.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    names = ["Id", "Title", "Author", "Date", "Chunks", "Status"]
    assert labels[:6] == [f'"{name}: "' for name in names]
    box = card.bounding_box()
    assert box and box["width"] <= 390
