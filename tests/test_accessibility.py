"""Accessibility in real Chromium: axe-core on every page, and a visible keyboard focus.

axe-core (the npm package, unpacked by ``make test``) runs inside each page as people
see it — the chat with an answer, its sources open and a refusal; the widget with an
answer and how to cite a source open; a reading with its passage highlighted and its
guide open; the guide to the readings; the admin page unlocked with its insights; the
API docs with an operation open — on a laptop and on a phone. No violation rated critical or
serious is allowed. Then the keyboard: Tab goes through every control of the page,
and each one looks different when focused, with an outline or a shadow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser_site import ASPLEY, TOKEN, Site, api_ask, wait_for_chat_answer
from tests.conftest import SEED_ID

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _chat(page: Any, site: Site) -> None:
    page.goto(site.app + "/chat/")
    page.get_by_role("textbox", name="Your question").fill(ASPLEY)
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 1)
    page.get_by_text("Sources (").first.click()  # the sources, open
    page.get_by_role("textbox", name="Your question").fill("What is the capital of France?")
    page.get_by_role("button", name="Ask").click()
    wait_for_chat_answer(page, 2)
    page.get_by_text("Which readings does it know?").click()


def _widget(page: Any, site: Site) -> None:
    page.goto(site.app + "/widget")
    page.get_by_role("button", name=ASPLEY).click()
    page.locator(".sources li").first.wait_for()
    page.get_by_text("Cite [1]").click()  # how to cite it, open


def _reading(page: Any, site: Site) -> None:
    page.goto(f"{site.app}/documents/{SEED_ID}?start=715&end=978#extract")
    page.locator("mark#extract").wait_for()
    page.get_by_text("In brief: key terms and central passages").click()  # its guide, open


def _guide(page: Any, site: Site) -> None:
    page.goto(site.app + "/guide")
    page.locator(".guide-reading").first.wait_for()


def _admin(page: Any, site: Site) -> None:
    api_ask(site, "What is the capital of France?")  # an unanswered question, for insights
    page.goto(site.app + "/admin")
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Unlock").click()
    page.locator("#documents tbody tr").first.wait_for()
    page.locator("#insights-questions").wait_for()


def _docs(page: Any, site: Site) -> None:
    page.goto(site.app + "/docs")
    page.locator(".opblock-summary-control").first.click()  # an operation, open
    page.locator(".opblock-body").first.wait_for()


PAGES: dict[str, Callable[[Any, Site], None]] = {
    "chat": _chat,
    "widget": _widget,
    "reading": _reading,
    "guide": _guide,
    "admin": _admin,
    "docs": _docs,
}


def axe_violations(page: Any, site: Site, axe_script: str) -> list[dict[str, Any]]:
    """axe-core's critical and serious violations on the page as it is now.

    The engine is served from the app's own origin (intercepted), so the pages'
    Content-Security-Policy stays as it is and still allows it.
    """
    url = site.app + "/__axe-core.js"
    page.route(url, lambda route: route.fulfill(body=axe_script, content_type="text/javascript"))
    page.add_script_tag(url=url)
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => ['critical', 'serious'].includes(v.impact))
            .map(v => ({id: v.id, impact: v.impact,
                        where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return list(found)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_critical_or_serious_axe_violations(
    page: Any, site: Site, axe_script: str, name: str, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    PAGES[name](page, site)
    assert axe_violations(page, site, axe_script) == []


#: What the focused element looks like: its outline and its shadow.
_LOOK = """el => { const s = getComputedStyle(el);
  return {outline: s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth),
          shadow: s.boxShadow, name: (el.getAttribute('aria-label')
          || (el.labels && el.labels.length ? el.labels[0].innerText : '')
          || el.innerText || el.id || el.tagName).trim().slice(0, 80)} }"""


def focus_rings(page: Any, limit: int = 80) -> list[tuple[str, bool]]:
    """Each control Tab reaches, in order, and whether focus shows on it: when focused it
    has an outline of 2px or more, or a shadow, that it does not have unfocused."""
    page.locator("body").click(position={"x": 1, "y": 1})
    seen: list[tuple[Any, dict[str, Any]]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = page.evaluate_handle("document.activeElement")
        if element.evaluate("el => el === document.body") or any(
            element.evaluate("(el, other) => el === other", other) for other, _ in seen
        ):
            break
        seen.append((element, element.evaluate(_LOOK)))
    page.evaluate("document.activeElement && document.activeElement.blur()")
    rings = []
    for element, focused in seen:
        unfocused = element.evaluate(_LOOK)
        outline = focused["outline"] >= 2 and unfocused["outline"] < 2
        shadow = focused["shadow"] != "none" and focused["shadow"] != unfocused["shadow"]
        rings.append((focused["name"], outline or shadow))
    return rings


@pytest.mark.parametrize(
    ("name", "controls"),
    [
        (
            "chat",
            {
                "Ask",
                "Your question",
                "New conversation",
                ASPLEY,
                "Sources (2)",
                "[1]",
                "Copy with references",
                "Helpful",
                "Not helpful",
                "Cite [1]",
                "Export conversation (Markdown)",
            },
        ),
        (
            "widget",
            {
                "Ask",
                "Your question",
                "Open the reading here",
                "source 1",  # a marker: [1] named by what it leads to
                "Copy with references",
                "Helpful",
                "Cite [1]",
                "Copy reference",
                "Export conversation (Markdown)",
                "New conversation",
                "Guide to the readings",
            },
        ),
        (
            "reading",
            {
                "← Ask the readings",
                "Go to the cited passage",
                "In brief",
                "Guide to the readings",
                "Central passage 1 of",
            },
        ),
        ("guide", {"← Ask the readings", "Ask them in the chat", "Central passage 1 of"}),
        (
            "admin",
            {
                "Unlock",
                "Drop readings here, or choose files",
                "Upload and index",
                f"Edit {SEED_ID}",
                f"Extracted text of {SEED_ID}",
                f"Delete {SEED_ID}",
                "Reindex",
                "Refresh insights",
                "Download CSV",
            },
        ),
    ],
)
def test_keyboard_focus_is_visible_on_every_control(
    page: Any, site: Site, name: str, controls: set[str]
) -> None:
    page.set_viewport_size(LAPTOP)
    PAGES[name](page, site)
    rings = focus_rings(page)
    reached = {label for label, _ in rings}
    missing = {c for c in controls if not any(r.startswith(c) for r in reached)}
    assert not missing, f"Tab never reached {missing}; it reached {reached}"
    assert [label for label, shown in rings if not shown] == []
