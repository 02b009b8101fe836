"""The command line: ``bot index | add | remove | list | ask | search | serve``.

The only module (with the web app) that speaks to people: it turns ``BotError``
into a one-line message on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import __version__
from bot.answer import answer_to_dict
from bot.config import ENV_NAMES, Settings, apply_offline_env, load_settings
from bot.errors import BotError, ConfigError, QuestionError
from bot.types import Answer, Citation, SyncReport

if TYPE_CHECKING:
    from bot.pipeline import Bot

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    apply_offline_env()
    try:
        settings = load_settings().with_overrides(
            docs_dir=args.docs,
            index_dir=args.index_dir,
            **{k: getattr(args, k, None) for k in ("top_k", "host", "port")},
        )
        from bot.pipeline import Bot  # heavy (numpy, faiss): only once arguments are valid

        return int(args.run(Bot(settings), args))
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted; the index is unchanged unless an update had finished", file=sys.stderr)
        return 130


# -- commands ---------------------------------------------------------------


def cmd_index(bot: Bot, args: argparse.Namespace) -> int:
    with _ProgressBar(args.quiet) as progress:
        report = bot.index(rebuild=args.rebuild, progress=progress)
    _print_report(report)
    return EXIT_ERROR if report.skipped else EXIT_OK


def cmd_add(bot: Bot, args: argparse.Namespace) -> int:
    with _ProgressBar(args.quiet) as progress:
        copied, rejected, report = bot.add([Path(p) for p in args.files], progress=progress)
    for _, message in rejected:
        print(f"rejected: {message}", file=sys.stderr)
    if copied:
        print(f"copied into {str(bot.settings.docs_dir)!r}: {', '.join(copied)}")
    _print_report(report)
    return EXIT_ERROR if rejected or report.skipped else EXIT_OK


def cmd_remove(bot: Bot, args: argparse.Namespace) -> int:
    report = bot.remove(args.doc_ids)
    _print_report(report)
    return EXIT_OK


def cmd_list(bot: Bot, args: argparse.Namespace) -> int:
    rows = bot.status()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print(f"no documents in {str(bot.settings.docs_dir)!r}; add some with 'bot add FILE'")
        return EXIT_OK
    table = [("ID", "TITLE", "AUTHOR", "DATE", "CHUNKS", "STATUS")]
    table += [
        (
            r.doc_id,
            _clip(r.title, 48),
            _clip(r.author or "-", 32),
            r.date or "-",
            str(r.chunks),
            r.status,
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True))
            + "  "
            + row[5]
        )
    return EXIT_OK


def cmd_ask(bot: Bot, args: argparse.Namespace) -> int:
    if (args.question is None) == (args.questions is None):
        raise ConfigError("give either a question or --questions FILE")
    if args.questions is None:
        answer = bot.ask(args.question)
        print(
            json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=2)
            if args.json
            else render_answer(answer)
        )
        return EXIT_OK
    status = EXIT_OK
    for question in _read_questions(args.questions):
        try:
            answer = bot.ask(question)
        except QuestionError as exc:  # this line is bad; index errors stop the batch
            status = EXIT_ERROR
            print(f"error: {exc}", file=sys.stderr)
            if args.json:
                print(json.dumps({"question": question, "error": str(exc)}, ensure_ascii=False))
            continue
        if args.json:
            print(json.dumps(answer_to_dict(answer), ensure_ascii=False), flush=True)
        else:
            print(f"Q: {question}\n{render_answer(answer)}\n", flush=True)
    return status


def cmd_search(bot: Bot, args: argparse.Namespace) -> int:
    hits = bot.search(args.query, top_k=args.top_k)
    if args.json:
        payload = {
            "query": args.query,
            "hits": [
                {
                    "doc_id": h.chunk.doc_id,
                    "chunk_id": h.chunk.chunk_id,
                    "start": h.chunk.start,
                    "end": h.chunk.end,
                    "text": h.chunk.text,
                    "score": round(h.score, 6),
                }
                for h in hits
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    for rank, h in enumerate(hits, start=1):
        snippet = _clip(" ".join(h.chunk.text.split()), 160)
        where = f"{h.chunk.chunk_id} [{h.chunk.start}:{h.chunk.end}]"
        print(f"{rank:>2}. {h.score:.3f}  {where}\n    {snippet}")
    return EXIT_OK


def cmd_serve(bot: Bot, args: argparse.Namespace) -> int:
    print(f"indexing {str(bot.settings.docs_dir)!r} ...", flush=True)
    with _ProgressBar(quiet=False) as progress:
        report = bot.index(progress=progress)
    _print_report(report)  # unreadable files are skipped; the others are served
    from bot.web.app import serve  # heavy (FastAPI, Gradio): only for this command

    serve(bot)
    return EXIT_OK


# -- rendering --------------------------------------------------------------


def render_answer(answer: Answer) -> str:
    """An answer as plain text for the terminal."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", "Sources:"]
        lines += [_render_citation(c) for c in answer.citations]
    if answer.closest:
        lines += ["", "Closest passages (not an answer):"]
        lines += [_render_citation(c) for c in answer.closest]
    return "\n".join(lines)


def _render_citation(c: Citation) -> str:
    byline = ", ".join(x for x in (c.author, c.date) if x)
    where = f"{c.doc_id}, characters {c.start}-{c.end}" + (f", page {c.page}" if c.page else "")
    lines = [f"[{c.n}] {c.title}" + (f" — {byline}" if byline else ""), f"    {where}"]
    if c.source:
        lines.append(f"    {c.source}")
    lines.append(f"    “{_clip(' '.join(c.extract.split()), 300)}”")
    return "\n".join(lines)


def _print_report(report: SyncReport) -> None:
    for doc_id, message in report.skipped:
        print(f"skipped {doc_id}: {message}", file=sys.stderr)
    print(
        f"index: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged, "
        f"{len(report.skipped)} skipped; {report.chunks_embedded} chunks embedded "
        f"in {report.seconds:.1f}s"
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _read_questions(path: str) -> Iterator[str]:
    stream: TextIO
    if path == "-":
        stream = sys.stdin
    else:
        try:
            stream = open(path, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read questions file {path!r}: {exc.strerror}") from None
    with stream:
        for line in stream:
            if line.strip():
                yield line.strip()


class _ProgressBar:
    """A tqdm bar on stderr for embedding runs long enough to need one."""

    def __init__(self, quiet: bool, threshold: int = 64) -> None:
        self.quiet, self.threshold = quiet, threshold
        self.bar: Any = None

    def __enter__(self) -> Callable[[int, int], None]:
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.quiet or total < self.threshold:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="chunk", desc="embedding", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--docs",
        type=Path,
        metavar="DIR",
        help=f"documents folder (env {ENV_NAMES['docs_dir']}, default {Settings.docs_dir})",
    )
    common.add_argument(
        "--index-dir",
        type=Path,
        metavar="DIR",
        help=f"index folder (env {ENV_NAMES['index_dir']}, default {Settings.index_dir})",
    )

    parser = argparse.ArgumentParser(
        prog="bot", description="Answer questions about course readings with cited extracts."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(command=None, docs=None, index_dir=None)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, run: Callable[..., int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(command=name, run=run)
        return p

    p = command("index", cmd_index, "sync the index with the documents folder")
    p.add_argument(
        "--rebuild", action="store_true", help="ignore the existing index and embed everything"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = command(
        "add", cmd_add, "validate files, copy them into the documents folder and index them"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = command("remove", cmd_remove, "delete documents from the documents folder and the index")
    p.add_argument("doc_ids", nargs="+", metavar="DOC_ID", help="ids as shown by 'bot list'")

    p = command("list", cmd_list, "list the documents and their index status")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command("ask", cmd_ask, "answer a question with cited extracts")
    p.add_argument("question", nargs="?", help="the question (or use --questions)")
    p.add_argument("--json", action="store_true", help="machine-readable answer")
    p.add_argument(
        "--questions",
        metavar="FILE",
        help="one question per line ('-' for stdin); JSON Lines with --json",
    )
    p.add_argument("--top-k", type=int, metavar="N", help="chunks to draw extracts from")

    p = command("search", cmd_search, "rank chunks for a query, with scores")
    p.add_argument("query")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--top-k", type=int, metavar="N", default=10, help="number of hits (default 10)")

    p = command("serve", cmd_serve, "sync the index, then serve the web app (chat, widget, API)")
    p.add_argument(
        "--host",
        metavar="ADDR",
        help=f"address to listen on (env BOT_HOST, default {Settings.host})",
    )
    p.add_argument(
        "--port", type=int, metavar="N", help=f"port (env BOT_PORT, default {Settings.port})"
    )
    return parser
