"""Answers from the real packaged model: cited, verbatim, honest about what is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import NOTHING_MORE, REFUSAL
from bot.errors import QuestionError
from bot.pipeline import Bot
from tests.conftest import SEED_ID, make_settings

ASPLEY = "Why did co-production fail in Aspley?"
CUTS_SENTENCE = (
    "suggests that co-production is not possible, indeed undermined by the Coalition "
    "government’s cuts to public services"
)


@pytest.fixture
def bot(tmp_path: Path, corpus_docs_dir: Path, real_embedder) -> Bot:  # type: ignore[no-untyped-def]
    bot = Bot(make_settings(corpus_docs_dir, tmp_path / "index"), embedder=real_embedder)
    bot.index()
    return bot


def assert_verbatim(bot: Bot, citations) -> None:  # type: ignore[no-untyped-def]
    for c in citations:
        document = bot.store.documents[c.doc_id]
        assert document.text[c.start : c.end] == c.extract
        assert c.extract == c.extract.strip() and c.extract


def test_aspley_question_cites_the_sentence_about_the_cuts(bot: Bot) -> None:
    answer = bot.ask("Why did co-production fail in Aspley?")
    assert answer.answered
    cuts = [c for c in answer.citations if CUTS_SENTENCE in c.extract]
    assert cuts, [c.extract for c in answer.citations]
    assert cuts[0].doc_id == SEED_ID
    assert cuts[0].title == "Whatever happened to Cameron's Big Society?"
    assert cuts[0].author == "Simon Roberts and Bruce Stafford"
    assert cuts[0].date == "2015-04-10"
    assert cuts[0].source and cuts[0].source.startswith("https://blogs.nottingham.ac.uk/")
    assert f"[{cuts[0].n}]" in answer.text
    assert_verbatim(bot, answer.citations)


def test_citations_are_numbered_in_answer_order(bot: Bot) -> None:
    answer = bot.ask("What does the author think about dormant bank accounts?")
    assert answer.answered
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    positions = [answer.text.index(f"[{c.n}]") for c in answer.citations]
    assert positions == sorted(positions)
    assert any("dormant bank accounts" in c.extract for c in answer.citations)
    assert_verbatim(bot, answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "How do I bake sourdough bread?",
        "Who won the 2018 World Cup?",
    ],
)
def test_off_topic_questions_are_refused_plainly(bot: Bot, question: str) -> None:
    answer = bot.ask(question)
    assert not answer.answered
    assert answer.text == REFUSAL
    assert answer.citations == ()
    assert_verbatim(bot, answer.closest)
    scores = [c.score for c in answer.closest]
    assert scores and scores == sorted(scores, reverse=True)  # best first, like citations


def test_a_question_is_checked(bot: Bot) -> None:
    with pytest.raises(QuestionError, match="empty"):
        bot.ask("   \n\t")
    with pytest.raises(QuestionError, match="100,000 characters long, over the limit of 2,000"):
        bot.ask("w" * 100_000)


def test_extracts_are_short_and_distinct(bot: Bot) -> None:
    answer = bot.ask("What is the Big Society?")
    assert answer.answered
    spans = [(c.doc_id, c.start, c.end) for c in answer.citations]
    assert len(spans) == len(set(spans))
    for (doc, s1, e1), (doc2, s2, e2) in zip(spans, spans[1:], strict=False):
        assert doc != doc2 or e1 <= s2 or e2 <= s1  # no overlapping extracts
    assert all(len(c.extract) <= 600 for c in answer.citations)


def test_new_reading_becomes_answerable_after_index(bot: Bot, corpus_docs_dir: Path) -> None:
    question = "Which river did the Tilbury volunteers clean?"
    assert not bot.ask(question).answered
    (corpus_docs_dir / "tilbury.txt").write_text(
        "In 2012 the Tilbury volunteers cleaned the banks of the river Thames every Saturday."
    )
    report = bot.index()
    assert report.added == ("tilbury.txt",)
    answer = bot.ask(question)
    assert answer.answered
    assert answer.citations[0].doc_id == "tilbury.txt"
    assert "river Thames" in answer.citations[0].extract


def test_a_follow_up_is_understood_in_the_context_of_the_previous_question(bot: Bot) -> None:
    follow_up = "Why did they fail there?"
    alone = bot.ask(follow_up)
    assert not any(CUTS_SENTENCE in c.extract for c in alone.citations)
    answer = bot.ask(
        follow_up, history=["What is co-production?", "Was co-production possible in Aspley?"]
    )
    assert answer.answered and answer.question == follow_up
    assert any(CUTS_SENTENCE in c.extract for c in answer.citations)


def test_a_question_referring_back_is_recognised() -> None:
    from bot.conversation import refers_back

    assert refers_back("what else did the study find?")
    assert refers_back("Why did they do it?")
    assert not refers_back("What does the author think about dormant bank accounts?")
    assert not refers_back("Which public amenities are closing in Aspley and Nottingham?")


def test_what_else_shows_new_passages_of_the_same_reading(bot: Bot) -> None:
    first = bot.ask(ASPLEY)
    more = bot.ask("what else did the study find?", history=[ASPLEY])
    assert more.answered and more.citations
    assert_verbatim(bot, more.citations)
    assert {c.doc_id for c in more.citations} == {SEED_ID}
    for c in more.citations:
        for earlier in first.citations:
            assert c.end <= earlier.start or earlier.end <= c.start, (c.extract, earlier.extract)


def test_asking_for_more_until_nothing_is_left_says_so(bot: Bot) -> None:
    history = [ASPLEY]
    seen: set[tuple[str, int]] = set()
    answers = []
    for _ in range(8):  # more than the readings hold, and more than a short replay window
        answer = bot.ask("what else?", history=history)
        answers.append(answer)
        spans = {(c.doc_id, c.start) for c in answer.citations}
        assert not spans & seen, "a 'what else?' answer repeated an earlier extract"
        seen |= spans
        history.append("what else?")
    assert seen, "the first 'what else?' found nothing new"
    first_refusal = next(n for n, a in enumerate(answers) if not a.answered)
    for answer in answers[first_refusal:]:  # the topic is kept: never "doesn't answer"
        assert not answer.answered and answer.text == NOTHING_MORE
    for answer in answers:  # labels such as "Creative Commons License" are not findings
        assert all("License" not in c.extract for c in answer.citations)


def test_asking_for_more_is_recognised() -> None:
    from bot.conversation import asks_for_more

    for question in [
        "what else did the study find?",
        "Tell me more",
        "any other findings?",
        "Is there another reason?",
        "more?",
    ]:
        assert asks_for_more(question), question
    for question in [
        "Why did they fail there?",
        "Why is investment in volunteers needed?",
        "Does it also need training volunteers?",
    ]:
        assert not asks_for_more(question), question


def test_a_follow_up_with_also_is_answered_in_full(bot: Bot) -> None:
    earlier = "What is needed for co-production to work?"
    assert any("training volunteers" in c.extract for c in bot.ask(earlier).citations)
    follow_up = bot.ask("Does it also need training volunteers?", history=[earlier])
    # not read as "what else?": the passage shown before is the answer, and is cited again
    assert any("training volunteers" in c.extract for c in follow_up.citations)


def test_history_does_not_leak_into_a_new_topic(bot: Bot) -> None:
    answer = bot.ask(
        "What does the author think about dormant bank accounts?",
        history=["Why did co-production fail in Aspley?"],
    )
    assert answer.answered
    assert all(c.doc_id != SEED_ID for c in answer.citations)


def test_a_follow_up_that_would_repeat_the_previous_answer_says_so(bot: Bot) -> None:
    from bot.conversation import REPEATED

    first = bot.ask(ASPLEY)
    again = bot.ask("Why did it fail there?", history=[ASPLEY])
    assert again.answered and again.text.startswith(REPEATED)
    shown = {(c.doc_id, c.start, c.end) for c in first.citations}
    assert all(  # it points back to passages the first answer showed, checkably
        any(d == c.doc_id and s <= c.start and c.end <= e for d, s, e in shown)
        for c in again.citations
    )
    new_topic = bot.ask("What does the author think about dormant bank accounts?", [ASPLEY])
    assert new_topic.answered and not new_topic.text.startswith(REPEATED)


def test_a_question_across_the_readings_cites_each_reading_that_speaks_to_it(bot: Bot) -> None:
    answer = bot.ask("What do the readings say about volunteers?")
    readings = [c.doc_id for c in answer.citations]
    assert answer.answered and len(set(readings)) >= 2
    assert len(readings) == len(set(readings))  # one passage each, grouped by reading
    assert_verbatim(bot, answer.citations)
    assert not bot.ask("What do the readings say about quantum chromodynamics?").answered
