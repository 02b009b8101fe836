"""The web app in real Chromium: what students, instructors and course pages see.

The app, the course pages and the browser are set up once per session by
``tests/browser_site.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_site import (
    ASPLEY,
    FOODBANK,
    FOODBANK_ID,
    FOODBANK_TEXT,
    GREENHOUSE,
    HOSTILE_ID,
    SOURCES,
    TOKEN,
    TREASURER,
    Site,
    api_ask,
    wait_for_chat_answer,
)
from tests.conftest import SEED_ID

pytestmark = pytest.mark.browser


# -- students: the chat ---------------------------------------------------------------


def test_chat_answers_with_sources_and_opens_the_passage(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(site.app + "/chat/")
    # The shipped course (course.toml) looks as it always has.
    expect(page).to_have_title("Big Society reading bot")
    expect(page.locator("#app-title")).to_have_text("Big Society reading bot")
    expect(page.locator("#about")).to_have_text(
        "Answers with verbatim, cited extracts from 2 course readings on the UK “Big Society” "
        "debate, or says plainly when they don't answer."
    )
    expect(page.locator("#examples button")).to_have_text(
        [
            ASPLEY,
            "What did Cameron promise with the Big Society?",
            "What happened to public parks and libraries?",
            "What is needed for co-production to work?",
        ]
    )
    page.get_by_text(ASPLEY).click()  # a clickable example question
    wait_for_chat_answer(page, 1)
    chat = page.locator("#chat")
    expect(chat).to_contain_text("Aspley, a ward in Nottingham")
    expect(chat).to_contain_text("[2]")
    page.get_by_text(SOURCES).click()
    expect(chat).to_contain_text("Whatever happened to Cameron's Big Society?")
    expect(chat).to_contain_text("Simon Roberts and Bruce Stafford, 2015-04-10")
    source = chat.get_by_role("link", name="Source ↗").first
    expect(source).to_have_attribute("target", "_blank")
    expect(source).to_have_attribute("rel", re.compile("noopener"))
    expect(source).to_have_attribute("href", re.compile(r"^https://blogs\.nottingham\.ac\.uk/"))

    answer = api_ask(site, ASPLEY)
    aspley = next(c for c in answer["citations"] if "Aspley, a ward" in c["extract"])
    link = chat.get_by_role("link", name="Open the reading here").nth(aspley["n"] - 1)
    expect(link).to_have_attribute("target", "_blank")
    with page.expect_popup() as popup:
        link.click()
    reading = popup.value
    mark = reading.locator("mark#extract")
    expect(mark).to_have_text(aspley["extract"])
    expect(mark).to_be_in_viewport()
    assert reading.url.startswith(f"{site.app}/documents/{SEED_ID}?start={aspley['start']}")

    shown = page.locator("#chat").inner_text().count("Aspley, a ward")
    assert shown >= 1
    page.get_by_role("textbox").fill("what else did the study find?")
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 2)
    expect(page.get_by_text(SOURCES)).to_have_count(2)  # answered, read with the first question
    # new passages, not the same ones again
    assert page.locator("#chat").inner_text().count("Aspley, a ward") == shown


ACROSS = "What do the readings say about volunteers?"


def test_sources_from_several_readings_are_grouped_by_reading(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    cited = {c["doc_id"] for c in api_ask(site, ACROSS)["citations"]}
    assert cited == {SEED_ID, HOSTILE_ID}  # the premise: both readings speak to it
    page.goto(site.app + "/chat/")
    page.get_by_role("textbox").fill(ACROSS)
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 2)  # one collapsible list of sources per reading
    groups = page.get_by_text(re.compile(r"^Sources, reading \d of 2 \(\d+\)$"))
    expect(groups).to_have_count(2)
    groups.nth(1).click()
    chat = page.locator("#chat")
    expect(chat).to_contain_text("Lenton greenhouse <script>alert('title')</script>")
    assert chat.locator("img, iframe, svg[onload], script").count() == 0

    page.goto(site.allowed + "/embed.html")
    widget = page.frame_locator("iframe")
    widget.get_by_role("textbox").fill(ACROSS)
    widget.get_by_role("button", name="Ask").click()
    headings = widget.get_by_text(re.compile("^Sources from “"))
    expect(headings).to_have_count(2)
    expect(headings.nth(0)).to_contain_text("Whatever happened to Cameron's Big Society?")
    assert widget.locator("#log img, #log iframe, #log svg, #log script").count() == 0


def test_an_empty_question_leaves_the_chat_as_it_is(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(site.app + "/chat/")
    page.get_by_role("textbox").fill("   ")
    page.get_by_role("button", name="Ask").click()
    expect(page.get_by_text("Type a question about the readings, then press Ask.")).to_be_visible()
    expect(page.get_by_text("Error", exact=True)).to_have_count(0)
    expect(page.locator("#chat .message.bot, #chat .bot-row")).to_have_count(0)


def test_chat_says_plainly_when_the_readings_do_not_answer(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(site.app + "/chat/")
    page.get_by_role("textbox").fill("What is the capital of France?")
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 1)
    expect(page.locator("#chat")).to_contain_text(
        "The readings on the UK “Big Society” debate don't answer this question."
    )
    expect(page.get_by_text(re.compile(r"^Closest passages, not an answer"))).to_be_visible()
    expect(page.get_by_text(SOURCES)).to_have_count(0)


def test_hostile_reading_is_inert_in_the_chat(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(site.app + "/chat/")
    page.get_by_text("Which readings does it know?").click()
    expect(page.locator("#titles")).to_contain_text("Lenton greenhouse <script>alert('title')")
    page.get_by_role("textbox").fill(GREENHOUSE + " <img src=x onerror=alert('question')>")
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 1)
    page.get_by_text(SOURCES).click()
    chat = page.locator("#chat")
    expect(chat).to_contain_text("<script>alert('script')</script>")
    expect(chat).to_contain_text("[the minutes](javascript:alert('link'))")
    expect(chat).to_contain_text("![logo](http://tracker.invalid/logo.png)")  # in the title
    page.get_by_role("textbox").fill(TREASURER)
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 2)
    expect(chat).to_contain_text("**blue** _notebook_ `code` $x^2$ <svg onload=alert('svg')>")
    expect(chat).to_contain_text("<img src=x onerror=alert('question')>")
    expect(chat).to_contain_text("Source: javascript:alert('source')")
    assert chat.locator("img, iframe, svg[onload], script").count() == 0
    hrefs = chat.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    # our own links only: passages, sources, and each [n] marker's source in the page
    assert hrefs and not [h for h in hrefs if not h.startswith(("/documents/", "https://", "#a"))]


def test_hostile_reading_is_inert_in_the_document_view(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    c = api_ask(site, GREENHOUSE)["citations"][0]
    page.goto(f"{site.app}/documents/{HOSTILE_ID}?start={c['start']}&end={c['end']}#extract")
    expect(page.locator("h1")).to_have_text(
        "Lenton greenhouse <script>alert('title')</script><img src=x onerror=alert('title-img')> "
        "![logo](http://tracker.invalid/logo.png)"
    )
    expect(page.locator("mark#extract")).to_contain_text("<script>alert('script')</script>")
    expect(page.locator(".source")).to_have_text("Source: javascript:alert('source')")
    assert page.locator("main img, main iframe, main svg, main a").count() == 0


# -- course pages: the widget ------------------------------------------------------------


def test_widget_on_an_allowed_origin_answers_with_citations(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(site.allowed + "/embed.html")
    widget = page.frame_locator("iframe")
    expect(widget.locator("h1")).to_have_text("Ask the Big Society readings")
    widget.get_by_role("button", name=ASPLEY).click()
    sources = widget.locator(".sources li")
    expect(sources).not_to_have_count(0)
    expect(sources.first).to_contain_text("Whatever happened to Cameron's Big Society?")
    expect(widget.locator(".turn-answer")).to_contain_text("Aspley")
    link = widget.get_by_role("link", name="Open the reading here").first
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener")

    widget.get_by_role("textbox").fill(GREENHOUSE)
    widget.get_by_role("button", name="Ask").click()
    expect(widget.locator(".turn-answer").nth(1)).to_contain_text(
        "<script>alert('script')</script>"
    )
    expect(widget.locator(".turn-answer").nth(1)).to_contain_text(
        "Lenton greenhouse <script>alert('title')</script>"
    )
    assert widget.locator("#log img, #log iframe, #log svg, #log script").count() == 0


@pytest.mark.parametrize("course_page", ["embed.html", "iframe.html"])
def test_widget_cannot_be_framed_by_other_origins(page, site: Site, course_page: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(f"{site.blocked}/{course_page}")
    if course_page == "embed.html":  # the script asks first and explains instead of framing
        note = page.get_by_role("note")
        expect(note).to_contain_text("The reading assistant cannot be shown here.")
        expect(note).to_contain_text(f"{site.blocked} is not on the list of sites allowed")
        expect(note).to_contain_text("BOT_EMBED_ORIGINS")
        assert page.locator("iframe").count() == 0
        return
    page.wait_for_selector("iframe")
    page.wait_for_timeout(1500)
    frames = [f for f in page.frames if f != page.main_frame]
    assert frames, "the page has no iframe"
    assert all(f.locator("#ask").count() == 0 for f in frames)
    allowed = page.context.new_page()
    allowed.goto(f"{site.allowed}/{course_page}")
    allowed.frame_locator("iframe").locator("#ask").wait_for()  # the same page, allowed
    allowed.close()


# -- instructors: admin -------------------------------------------------------------------


def test_admin_upload_is_answerable_and_delete_removes_it(page, site: Site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(site.app + "/admin")
    page.get_by_label("Admin token").fill("wrong-token-wrong-token")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#messages")).to_contain_text("wrong admin token")
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Unlock").click()
    rows = page.locator("#documents tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator(f'tr[data-doc-id="{SEED_ID}"]')).to_contain_text("indexed")

    reading = tmp_path / FOODBANK_ID
    reading.write_text(FOODBANK_TEXT)
    page.locator("#files").set_input_files(str(reading))
    page.get_by_role("button", name="Upload and index").click()
    expect(page.locator("#messages")).to_contain_text(f"Uploaded {FOODBANK_ID}: 1 added")
    expect(page.locator(f'tr[data-doc-id="{FOODBANK_ID}"]')).to_contain_text("indexed")
    answer = api_ask(site, FOODBANK)
    assert answer["answered"] and {c["doc_id"] for c in answer["citations"]} == {FOODBANK_ID}

    delete = page.get_by_role("button", name=f"Delete {FOODBANK_ID}")
    delete.click()
    delete.click()  # the second click confirms
    expect(page.locator("#messages")).to_contain_text(f"Deleted {FOODBANK_ID}")
    expect(rows).to_have_count(2)
    answer = api_ask(site, FOODBANK)
    assert FOODBANK_ID not in {c["doc_id"] for c in answer["citations"]}

    page.get_by_label("embed everything again").check()
    page.get_by_role("button", name="Reindex").click()
    expect(page.locator("#messages")).to_contain_text("Reindex done: 2 added", timeout=120_000)
    expect(page.locator("#progress-text")).to_contain_text("rebuild done")


@pytest.mark.parametrize("width", [1280, 390])
def test_admin_table_never_breaks_a_word(page, site: Site, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site.app + "/admin")
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Unlock").click()
    page.locator("#documents tbody tr").first.wait_for()
    # Every word of the headers and of the dates and chunk counts sits on one line.
    broken = page.evaluate(
        """() => [...document.querySelectorAll(
              '#documents th, #documents td:nth-child(4), #documents td:nth-child(5)')]
            .filter(cell => cell.offsetParent !== null && cell.textContent.trim())
            .flatMap(cell => [...cell.textContent.matchAll(/\\S+/g)].map(m => {
              const range = document.createRange();
              const text = [...cell.childNodes].find(n => n.nodeType === 3) ||
                           cell.querySelector('*').firstChild;
              range.setStart(text, m.index); range.setEnd(text, m.index + m[0].length);
              return [m[0], range.getClientRects().length];
            }))
            .filter(([, lines]) => lines > 1).map(([word]) => word)"""
    )
    assert broken == []
