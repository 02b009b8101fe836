"""Text as laid out → text as read: known answers for each format's reflow."""

from __future__ import annotations

from bot.chunking import split_sentences
from bot.reflow import pdf_text, reflow_markdown, reflow_plain

WRAPPED = (
    "Letters from Brackenford\n"
    "By Gareth Lloyd\n"
    "\n"
    "The youth centre on Mill Lane closed in March after the council cut its\n"
    "grant by a third, and the advice bureau followed it within the year. We\n"
    "were told that volunteers would step in to keep both doors open, but the\n"
    "volunteers were the same dozen people who already ran everything else.\n"
    "\n"
    "Nobody asked them whether they could manage another evening a week, and\n"
    "by the autumn most of them had stopped answering the phone at all now.\n"
)


def test_hard_wrapped_text_is_joined_and_short_lines_stay() -> None:
    text = reflow_plain(WRAPPED)
    lines = text.split("\n")
    assert lines[:2] == ["Letters from Brackenford", "By Gareth Lloyd"]
    assert "cut its grant by a third, and the advice bureau followed it within the year." in text
    assert len([line for line in lines if line]) == 4  # title, byline, two paragraphs


def test_text_that_is_not_wrapped_is_left_alone() -> None:
    text = "One paragraph on a line of its own.\n\nAnother one.\nA third, short.\n"
    assert reflow_plain(text) == text


def test_markdown_paragraphs_join_but_headings_and_items_keep_their_lines() -> None:
    wrapped = "\n".join(
        [
            "## Findings",
            "",
            "The Hearth Institute makes three recommendations to ministers and to",
            "councils, each of which follows from the figures in the sections before",
            "this one, and each of which could be carried out within a single year:",
            "",
            "- publish every council's register of assets of community value online",
            "- extend the moratorium on a sale from six months to nine months now",
            "- fund a small grant for groups that want to bid for a listed building",
            "",
            "A closing paragraph that is long enough to look like the others in the",
            "text but sits after the list and so ends the section of this reading.",
        ]
    )
    text = reflow_markdown(wrapped)
    lines = [line for line in text.split("\n") if line]
    assert lines[0] == "## Findings"
    assert lines[1].endswith("could be carried out within a single year:")
    assert [line[:2] for line in lines[2:5]] == ["- ", "- ", "- "]
    assert len(lines) == 6
    assert all(s.end - s.start < 300 for s in split_sentences(text))


def test_pdf_pages_lose_headers_and_numbers_and_undo_hyphenation() -> None:
    header = "Hearth Institute · Community Rights in Practice"
    pages = [
        "Community Rights in Practice\n\nThe council said the commu-\nnity asset had gone.\n\n1",
        f"{header}\n\nIts co-operative bid, a co-\noperative one, failed and\n\n2",
        f"{header}\n\nthe group was wound up in 2013.\n\nPage 3",
    ]
    text, starts = pdf_text(pages)
    assert header not in text and "Page 3" not in text
    assert "the community asset had gone." in text
    assert "a co-operative one" in text  # the reading hyphenates the word elsewhere
    assert "failed and the group was wound up in 2013." in text  # joined over the page break
    assert len(starts) == 3 and text[starts[2] :].startswith("the group was wound up")
    assert text[starts[1] :].startswith("Its co-operative bid")


def test_pdf_bullets_extracted_as_stray_code_points_start_their_own_lines() -> None:
    page = "Findings:\n\n\x7f Listing matters.\n\x7f Pubs lead the\nlists.\n\uf0b7 Money is low."
    text, _ = pdf_text([page])
    items = ["• Listing matters.", "• Pubs lead the lists.", "• Money is low."]
    assert text.split("\n")[-3:] == items
