"""The student chat in Gradio: questions, answers with ``[n]`` markers linked to their
collapsible sources, a *Cite* for each source, copy, feedback and export.

A plain ``Chatbot`` and ``Textbox`` rather than ``ChatInterface``, so that the
question shown in the chat is escaped like everything else (``render``), and the
earlier questions of the conversation are kept apart for follow-ups.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from bot.errors import BotError, IndexStoreError
from bot.guide import guide_for
from bot.insights import Insights
from bot.pipeline import Bot
from bot.web.render import (
    answer_messages,
    byline,
    document_url,
    markdown_text,
    new_tab_link,
    question_message,
)

#: Answers computed at once; each takes ~15 ms of CPU (README), on a 2-core machine.
CONCURRENCY_LIMIT = 4
#: Questions waiting beyond these are turned away with "too busy" rather than left hanging.
QUEUE_SIZE = 64

Messages = list[dict[str, Any]]


def build_chat(bot: Bot, base: str = "", insights: Insights | None = None) -> gr.Blocks:
    """The chat page of ``bot``'s course, served at ``base``/chat/, with its queue
    configured (no direct API, bounded concurrency); each question answered is counted
    in ``insights`` (question text, day, outcome: nothing about who asked)."""
    course = bot.course

    def respond(
        question: str, messages: Messages, questions: list[str]
    ) -> tuple[str, Messages, list[str]]:
        if not question.strip():  # nothing asked: the conversation stays as it is
            gr.Info("Type a question about the readings, then press Ask.")
            return "", messages, questions
        try:
            answer = bot.ask(question, history=questions)
        except BotError as exc:
            raise gr.Error(str(exc)) from None
        if insights is not None:
            insights.record(answer)
        turn = len(questions) + 1  # numbers this answer's sources: a<turn>-<n>
        shown = [*messages, question_message(question), *answer_messages(answer, base, turn)]
        return "", shown, [*questions, answer.question]

    def describe_readings() -> tuple[str, str]:
        try:
            store = bot.store
            documents = sorted(store.documents.values(), key=lambda d: d.title.lower())
        except IndexStoreError as exc:
            return markdown_text(str(exc)), ""
        count = f"{len(documents)} course reading" + ("" if len(documents) == 1 else "s")
        on = f" on {markdown_text(course.subject)}" if course.subject else ""
        about = (
            f"Answers with verbatim, cited extracts from **{count}**{on}, "
            "or says plainly when they don't answer."
        )
        guide = new_tab_link(f"{base}/guide", "Guide to the readings: key terms and passages")
        rows = []
        for doc in documents:
            by = byline(doc.author, doc.date)
            row = f"- {markdown_text(doc.title)}" + (f" — {markdown_text(by)}" if by else "")
            row += f" · {new_tab_link(document_url(doc.doc_id, base), 'read it')}"
            terms = guide_for(store, doc.doc_id).key_terms
            if terms:
                row += f"  \n  Key terms: {markdown_text(', '.join(terms))}"
            rows.append(row)
        return about, guide + "\n\n" + "\n".join(rows)

    with gr.Blocks(title=course.title, fill_height=True) as demo:
        gr.Markdown(f"# {markdown_text(course.title)}", elem_id="app-title")
        about = gr.Markdown(elem_id="about", latex_delimiters=[])
        with gr.Accordion("Which readings does it know?", open=False):
            titles = gr.Markdown(elem_id="titles", latex_delimiters=[])
        chatbot = gr.Chatbot(
            label="Conversation",
            elem_id="chat",
            height="60vh",
            latex_delimiters=[],
            buttons=[],
            feedback_options=None,
            placeholder=markdown_text(course.welcome),
        )
        # Plain buttons rather than the Chatbot's examples, whose list holds buttons
        # instead of list items (screen readers announce an empty list).
        with gr.Row(elem_id="examples"):
            examples = [
                gr.Button(q, size="sm", variant="secondary", elem_classes="example")
                for q in course.examples
            ]
        textbox = gr.Textbox(
            label="Your question",
            show_label=False,
            placeholder="Ask a question about the readings",
            submit_btn="Ask",
            max_length=bot.settings.max_question_chars,
            elem_id="question",
        )
        questions = gr.State([])
        with gr.Row(elem_id="conversation-tools"):
            new = gr.Button("New conversation", size="sm", variant="secondary", elem_id="new")
            # Built in the browser from the conversation shown (static/chat.js): no file
            # is made on the server.
            gr.Button(
                "Export conversation (Markdown)", size="sm", variant="secondary", elem_id="export"
            )

        outputs = [textbox, chatbot, questions]
        textbox.submit(respond, [textbox, chatbot, questions], outputs, api_visibility="private")
        for button, example in zip(examples, course.examples, strict=True):
            button.click(
                lambda m, q, e=example: respond(e, m, q),
                [chatbot, questions],
                outputs,
                api_visibility="private",
            )
        new.click(lambda: ("", [], []), None, outputs, api_visibility="private")
        demo.load(describe_readings, None, [about, titles], api_visibility="private")

    demo.queue(api_open=False, max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY_LIMIT)
    return demo
