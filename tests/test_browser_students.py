"""What students get around an answer, in real Chromium: [n] markers that open their
source, copy with references, Cite, helpful / not helpful, the Markdown export, the guide
to the readings, Markdown readings with the passage marked, and a phone-sized chat.

The app, course pages and browser are set up once per session (``tests/browser_site.py``).
With ``BOT_SCREENSHOTS=docs`` these tests also save the README's screenshots.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser_site import (
    ASPLEY,
    TOKEN,
    Site,
    api,
    api_ask,
    screenshot,
    wait_for_chat_answer,
)
from tests.conftest import FIXTURES, SEED_ID

pytestmark = pytest.mark.browser

REFERENCE = re.compile(
    r"^Roberts, S\. and Stafford, B\. \(2015\) Whatever happened to Cameron's Big Society\? "
    r"Available at: https://blogs\.nottingham\.ac\.uk/\S+ \(Accessed: \d{1,2} \w+ \d{4}\)\.$"
)


def clipboard(page: Any) -> str:
    return str(page.evaluate("navigator.clipboard.readText()"))


def allow_clipboard(page: Any, site: Site) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.app)


def chat_answer(page: Any, site: Site, question: str = ASPLEY) -> None:
    page.goto(site.app + "/chat/")
    page.get_by_role("textbox", name="Your question").fill(question)
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 1)


def test_chat_markers_open_their_source_and_cite_gives_a_harvard_reference(
    page: Any, site: Site
) -> None:
    from playwright.sync_api import expect

    allow_clipboard(page, site)
    chat_answer(page, site)
    sources = page.locator("#chat details.sources").first
    expect(sources).not_to_have_attribute("open", "")
    page.locator("#chat a.cite-marker", has_text="[2]").click()
    expect(sources).to_have_attribute("open", "")  # opened by its marker
    second = page.locator("#a1-2")
    expect(second).to_be_focused()
    expect(second).to_be_in_viewport()
    expect(second).to_contain_text("[2] Whatever happened to Cameron's Big Society?")

    second.get_by_text("Cite [2]").click()
    expect(second.locator(".in-text")).to_have_text("(Roberts and Stafford, 2015)")
    expect(second.locator(".reference")).to_have_text(REFERENCE)
    second.get_by_role("button", name="Copy reference").click()
    expect(second.get_by_role("button", name="Copied")).to_be_visible()
    assert REFERENCE.match(clipboard(page).rstrip("\n"))
    screenshot(page, "chat.png")


def test_chat_copies_an_answer_with_its_references_and_exports_the_conversation(
    page: Any, site: Site
) -> None:
    from playwright.sync_api import expect

    allow_clipboard(page, site)
    chat_answer(page, site)
    answer = api_ask(site, ASPLEY)
    page.get_by_role("button", name="Copy with references").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    copied = clipboard(page)
    first = " ".join(answer["citations"][0]["extract"].split())
    assert copied.startswith(first + " [1]")
    assert "\n\n[1] (Roberts and Stafford, 2015)\n[2] (Roberts and Stafford, 2015)\n" in copied
    assert REFERENCE.match(copied.split("\nReferences\n")[1].strip())

    page.get_by_role("textbox", name="Your question").fill("What is the capital of France?")
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 2)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export conversation (Markdown)").click()
    assert re.fullmatch(r"conversation-\d{4}-\d\d-\d\d\.md", download.value.suggested_filename)
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# Big Society reading bot: conversation\n")
    assert "## 1. Why did co-production fail in Aspley?\n" in markdown
    assert "## 2. What is the capital of France?\n" in markdown
    assert "- \\[1\\] (Roberts and Stafford, 2015) — [the passage in the reading](" in markdown
    assert f"{site.app}/documents/{SEED_ID}?start=" in markdown
    assert "References:\n\n- Roberts, S. and Stafford, B. (2015)" in markdown


def insights_question(site: Site, question: str) -> dict[str, Any]:
    report = api(site, "GET", "/api/admin/insights", token=TOKEN)
    return next(q for q in report["questions"] if q["question"] == question)


def test_feedback_from_the_chat_and_the_widget_reaches_the_instructors(
    page: Any, site: Site
) -> None:
    from playwright.sync_api import expect

    question = "What did Cameron promise with the Big Society?"
    chat_answer(page, site, question)
    before = insights_question(site, question)
    page.get_by_role("button", name="Helpful", exact=True).click()
    expect(page.locator("#chat .thanks")).to_have_text(re.compile("^Thank you"))
    expect(page.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    after = insights_question(site, question)
    assert after["helpful"] == before["helpful"] + 1 and after["count"] == before["count"]

    page.goto(site.app + "/widget")
    page.get_by_role("button", name=question).click()
    page.get_by_role("button", name="Not helpful").click()
    expect(page.locator(".thanks")).to_have_text(re.compile("^Thank you"))
    widget = insights_question(site, question)
    assert widget["not_helpful"] == after["not_helpful"] + 1
    assert widget["count"] == after["count"] + 1


def test_widget_markers_cite_copy_and_export(page: Any, site: Site) -> None:
    from playwright.sync_api import expect

    allow_clipboard(page, site)
    page.goto(site.allowed + "/embed.html")
    widget = page.frame_locator("iframe")
    widget.get_by_role("button", name=ASPLEY).click()
    widget.locator("a.cite-marker", has_text="[2]").click()
    second = widget.locator("#w1-2")
    expect(second).to_be_focused()
    second.get_by_text("Cite [2]").click()
    expect(second.locator(".reference")).to_have_text(REFERENCE)
    screenshot(widget.locator("body"), "widget.png")

    page.goto(site.app + "/widget")  # the frame's own origin, for the clipboard
    page.get_by_role("button", name=ASPLEY).click()
    page.get_by_role("button", name="Copy with references").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert "\n\n[1] (Roberts and Stafford, 2015)\n" in clipboard(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export conversation (Markdown)").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# Ask the Big Society readings: conversation\n")
    assert "## 1. Why did co-production fail in Aspley?" in markdown
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#log")).to_be_empty()
    expect(page.get_by_role("button", name=ASPLEY)).to_be_visible()


def test_the_guide_shows_each_readings_key_terms_and_central_passages(
    page: Any, site: Site
) -> None:
    from playwright.sync_api import expect

    guide = api(site, "GET", "/api/guide")
    seed = next(r for r in guide["readings"] if r["doc_id"] == SEED_ID)
    assert "co-production" in seed["key_terms"]
    page.goto(site.app + "/guide")
    expect(page.locator("h1")).to_have_text("Guide to the readings")
    expect(page.locator(".examples-list li").first).to_have_text(ASPLEY)
    section = page.locator(".guide-reading", has_text="Whatever happened to Cameron")
    expect(section.locator("ul.terms li")).to_have_text(seed["key_terms"])
    first = seed["sentences"][0]
    section.get_by_role("link", name=re.compile("Central passage 1 of")).click()
    expect(page.locator("mark#extract")).to_have_text(first["extract"])
    expect(page.locator("mark#extract")).to_be_in_viewport()

    page.goto(f"{site.app}/documents/{SEED_ID}")  # on top of the reading, open
    brief = page.locator("details.guide")
    expect(brief).to_have_attribute("open", "")
    expect(brief.locator("ul.terms li")).to_have_text(seed["key_terms"])
    screenshot(page, "guide.png")

    page.goto(site.app + "/chat/")
    page.get_by_text("Which readings does it know?").click()
    titles = page.locator("#titles")
    expect(titles).to_contain_text("Key terms: " + ", ".join(seed["key_terms"]))
    expect(titles.get_by_role("link", name=re.compile("^Guide to the readings"))).to_have_attribute(
        "href", "/guide"
    )


MEH = FIXTURES / "ianrenton-2010-the-meh-society.md"


def test_a_markdown_reading_is_rendered_with_the_passage_marked(page: Any, site: Site) -> None:
    from playwright.sync_api import expect

    api(site, "PUT", f"/api/admin/documents/{MEH.name}", MEH.read_bytes(), token=TOKEN)
    try:
        text = api(site, "GET", f"/api/admin/documents/{MEH.name}/text", token=TOKEN)["text"]
        start = text.index("Today, [Ed Miliband]")
        end = text.index("optimistic.") + len("optimistic.")
        page.goto(f"{site.app}/documents/{MEH.name}?start={start}&end={end}#extract")
        marks = page.locator("mark#extract, mark.extract-more")
        shown = "".join(marks.all_text_contents())
        assert shown == (
            "Today, Ed Miliband gave his acceptance speech to the Labour party conference, and "
            "having watched it, I caught myself accidentally feeling cautiously optimistic."
        )
        expect(page.locator("mark#extract")).to_be_in_viewport()
        link = page.get_by_role("link", name="Ed Miliband")
        expect(link).to_have_attribute("href", "http://www.westminsterhubble.com/Edward_Miliband")
        expect(link).to_have_attribute("rel", "noopener")
        expect(link).to_have_attribute("target", "_blank")
        expect(page.locator(".reading em").first).to_have_text("The Good Society")
        assert "](http" not in page.locator("#reading").inner_text()  # no raw Markdown
    finally:
        api(site, "DELETE", f"/api/admin/documents/{MEH.name}", token=TOKEN)

    page.goto(f"{site.app}/documents/hostile-reading.md")  # still inert, rendered
    expect(page.locator(".reading h2")).to_contain_text("<script>alert('heading')</script>")
    expect(page.locator("#reading strong")).to_have_text("blue")
    expect(page.locator("#reading .image-alt")).to_have_text("a photo")
    assert page.locator("main img, main iframe, main svg, main script, main a").count() == 0


PHONE = {"width": 390, "height": 844}


def in_view(page: Any, name: str, role: str = "button") -> bool:
    box = page.get_by_role(role, name=name).bounding_box()
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_on_a_phone_the_conversation_fills_the_screen_with_every_control_on_it(
    page: Any, site: Site
) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size(PHONE)
    chat_answer(page, site)
    assert page.evaluate("document.documentElement.scrollHeight") <= PHONE["height"] + 2
    chat = page.locator("#chat").bounding_box()
    assert chat and chat["height"] >= 0.5 * PHONE["height"]  # the conversation, mostly
    for name in ("Ask", "New conversation", "Export conversation (Markdown)"):
        assert in_view(page, name), name
    assert in_view(page, "Your question", "textbox")
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#chat .message.bot, #chat .bot-row")).to_have_count(0)  # cleared
    page.get_by_role("textbox", name="Your question").fill(ASPLEY)
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 1)
    screenshot(page, "phone.png")

    page.goto(site.app + "/widget")
    page.get_by_role("button", name=ASPLEY).click()
    page.locator(".sources li").first.wait_for()
    assert page.evaluate("document.documentElement.scrollHeight") <= PHONE["height"] + 2
    for name in ("Ask", "New conversation", "Export conversation (Markdown)"):
        assert in_view(page, name), name
