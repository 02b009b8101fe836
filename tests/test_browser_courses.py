"""Many courses on one server (``bot serve --courses``) in real Chromium: each course's
chat and widget under its own address, embedded only where that course allows."""

from __future__ import annotations

import re

import pytest

from tests.browser_site import ASPLEY, GREENHOUSE, CourseSite, wait_for_chat_answer
from tests.conftest import SEED_ID

pytestmark = pytest.mark.browser


def test_the_list_of_courses_leads_to_each_courses_own_chat(page, course_site: CourseSite) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(course_site.app + "/")
    expect(page.get_by_role("link", name="Greenhouses reading bot")).to_be_visible()
    page.get_by_role("link", name="Big Society reading bot").click()
    expect(page).to_have_url(course_site.app + "/courses/big-society/chat/")
    expect(page.locator("#app-title")).to_have_text("Big Society reading bot")
    page.get_by_role("button", name=ASPLEY).click()  # the course's own example question
    wait_for_chat_answer(page, 1)
    page.get_by_text(re.compile(r"^Sources \(\d+\)$")).click()
    link = page.locator("#chat").get_by_role("link", name="Open the reading here").first
    href = link.get_attribute("href") or ""
    assert href.startswith(f"/courses/big-society/documents/{SEED_ID}?start=")
    with page.expect_popup() as popup:
        link.click()
    expect(popup.value.locator("mark#extract")).to_be_visible()


def test_each_courses_widget_is_embedded_only_where_that_course_allows(
    page, course_site: CourseSite
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(course_site.allowed + "/greenhouses.html")
    widget = page.frame_locator("iframe")
    expect(widget.locator("h1")).to_have_text("Ask the Greenhouses readings")
    widget.get_by_role("button", name=GREENHOUSE).click()
    expect(widget.locator(".sources li").first).to_contain_text("Lenton greenhouse")
    assert widget.locator("#log img, #log iframe, #log svg, #log script").count() == 0
    assert page.locator("iframe").get_attribute("title") == "Ask the Greenhouses readings"

    page.goto(course_site.allowed + "/big-society.html")  # allowed for the other course only
    note = page.get_by_role("note")
    expect(note).to_contain_text("The reading assistant cannot be shown here.")
    expect(note).to_contain_text("embed_origins in course.toml")
    assert page.locator("iframe").count() == 0
