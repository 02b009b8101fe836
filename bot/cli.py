"""The command line: runs ``bot index | add | remove | list | ask | search | eval | serve``.

The only module (with the web app) that speaks to people: it turns ``BotError``
into a one-line message on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import console
from bot.arguments import build_parser
from bot.config import apply_offline_env, load_settings
from bot.course import course_file, init_course, load_course
from bot.errors import BotError, ConfigError, IndexBusyError, IndexReadOnlyError, QuestionError
from bot.types import SyncReport

if TYPE_CHECKING:
    from bot.pipeline import Bot

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    apply_offline_env()
    # pypdf logs its repairs ("EOF marker not found") to stderr; a PDF we cannot read is
    # reported once, as a one-line error naming the file, so those warnings are only noise.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        course_dir: Path | None = args.course
        settings = load_settings().with_overrides(
            docs_dir=course_dir / "documents" if course_dir else None,
            index_dir=course_dir / "index" if course_dir else None,
        )
        settings = settings.with_overrides(
            docs_dir=args.docs,
            index_dir=args.index_dir,
            **{k: getattr(args, k, None) for k in ("top_k", "host", "port", "follow")},
        )
        if args.command == "init":  # before a course exists: no Bot
            return cmd_init(args)
        from bot.pipeline import Bot  # heavy (numpy, faiss): only once arguments are valid

        course = load_course(course_file(settings.docs_dir))
        return int(COMMANDS[args.command](Bot(settings, course=course), args))
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted; the index is unchanged unless an update had finished", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`bot ask ... | head -1`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR


# -- commands ---------------------------------------------------------------


def cmd_index(bot: Bot, args: argparse.Namespace) -> int:
    with _ProgressBar(args.quiet) as progress:
        report = bot.index(rebuild=args.rebuild, progress=progress)
    print_report(report)
    return EXIT_ERROR if report.skipped else EXIT_OK


def cmd_add(bot: Bot, args: argparse.Namespace) -> int:
    with _ProgressBar(args.quiet) as progress:
        added = bot.add([Path(p) for p in args.files], replace=args.replace, progress=progress)
    for _, message in added.rejected:
        print(f"rejected: {message}", file=sys.stderr)
    if added.copied:
        print(f"copied into {str(bot.settings.docs_dir)!r}: {', '.join(added.copied)}")
    print_report(added.index)
    return EXIT_ERROR if added.rejected or added.index.skipped else EXIT_OK


def cmd_remove(bot: Bot, args: argparse.Namespace) -> int:
    report = bot.remove(args.doc_ids)
    print_report(report)
    return EXIT_OK


def cmd_list(bot: Bot, args: argparse.Namespace) -> int:
    rows = bot.status()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print(f"no documents in {str(bot.settings.docs_dir)!r}; add some with 'bot add FILE'")
        return EXIT_OK
    print(console.status_table(rows))
    return EXIT_OK


def cmd_ask(bot: Bot, args: argparse.Namespace) -> int:
    from bot.contract import answer_to_dict

    if (args.question is None) == (args.questions is None):
        raise ConfigError("give either a question or --questions FILE")
    if args.questions is None:
        answer = bot.ask(args.question)
        print(
            json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=2)
            if args.json
            else console.answer(answer)
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
            print(f"Q: {question}\n{console.answer(answer)}\n", flush=True)
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
    print(console.hits(hits))
    return EXIT_OK


def cmd_eval(bot: Bot, args: argparse.Namespace) -> int:
    from bot import evaluation

    if (args.beir is None) == (args.qa is None):
        raise ConfigError("give either --beir DIR or --qa FILE")
    if args.distractors is not None and args.qa is None:
        raise ConfigError("--distractors goes with --qa FILE")
    options = {k: v for k, v in (("fusion", args.fusion), ("alpha", args.alpha)) if v is not None}
    if args.beir is not None:
        collection = evaluation.load_beir(args.beir)
        with _ProgressBar(args.quiet) as progress:
            report = evaluation.evaluate_beir(
                collection, bot.embedder, bot.info, bot.settings.cache_dir, args.run,
                progress, **options,
            )  # fmt: skip
        print(json.dumps(asdict(report), indent=2) if args.json else console.beir_report(report))
        return EXIT_OK

    from bot import gold as gold_questions
    from bot.sync import load_folder

    gold = gold_questions.load_gold(args.qa)
    with _ProgressBar(args.quiet) as progress:
        if args.readings is not None:  # an index of their own, cached: never the app's index
            readings = load_folder(args.readings)
            fingerprint = "|".join(f"{d.doc_id}:{d.content_hash}" for d in readings)
            cached = evaluation.cached_index(
                f"readings-{args.readings.name}", fingerprint, readings, bot.embedder,
                bot.info, bot.settings.cache_dir, progress,
            )  # fmt: skip
            bot = type(bot)(bot.settings, bot.embedder, cached.store, bot.course)
        else:
            bot.index(progress=progress)
        if args.distractors is not None:
            collection = evaluation.load_beir(args.distractors)
            mix, fingerprint = evaluation.readings_with_distractors(
                list(bot.store.documents.values()), collection, args.distractor_count
            )
            name = f"readings+{collection.name}{args.distractor_count}"
            mixed = evaluation.cached_index(
                name, fingerprint, mix, bot.embedder, bot.info, bot.settings.cache_dir, progress
            )
            bot = type(bot)(bot.settings, bot.embedder, mixed.store, bot.course)
    results = gold_questions.evaluate(bot.ask, gold, bot.store.documents)
    if args.json:
        print(json.dumps(console.gold_json(results), indent=2, ensure_ascii=False))
    else:
        print(console.gold_report(results, len(bot.store.documents), verbose=args.verbose))
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    made = init_course(args.folder, args.name)
    print(f"created {str(made.folder / 'course.toml')!r} and {str(made.folder / 'documents')!r}")
    print(f"admin token (shown only now; its SHA-256 is in course.toml): {made.admin_token}")
    print(f"next: put readings in {str(made.folder / 'documents')!r}, edit course.toml, then")
    folder, parent = str(made.folder), str(made.folder.parent)
    print(f"      bot serve --course {folder!r}   (or: bot serve --courses {parent!r})")
    return EXIT_OK


def cmd_serve(bot: Bot, args: argparse.Namespace) -> int:
    from bot.web.app import listen, serve  # heavy (FastAPI, Gradio): only for this command

    sock = listen(bot.settings.host, bot.settings.port)  # a busy port fails before indexing
    if args.courses is not None:
        return _serve_courses(bot, args.courses, sock)
    if not bot.settings.follow:
        _sync_before_serving(bot)
    if not bot.has_index():
        print(
            f"no index in {str(bot.settings.index_dir)!r} yet: answering 503 until the server "
            "that writes it has built one",
            file=sys.stderr,
        )
    serve(bot, sock)
    return EXIT_OK


def _serve_courses(bot: Bot, root: Path, sock: Any) -> int:
    """``bot serve --courses DIR``: sync every course's index, then serve them all."""
    from bot.web.app import serve_courses
    from bot.web.site import Courses

    if not root.is_dir():
        raise ConfigError(
            f"courses folder {str(root)!r} does not exist; create it and add a course "
            f"with 'bot init {str(root / 'my-course')!r}'"
        )
    courses = Courses(root, bot.settings, bot.embedder)
    for slug, folder in courses.folders().items():
        try:
            course = load_course(folder / "course.toml")
        except BotError as exc:
            print(f"warning: course {slug!r} is not served: {exc}", file=sys.stderr)
            continue
        if not bot.settings.follow:
            _sync_before_serving(courses.bot_for(slug, folder, course), f"{slug}: ")
    serve_courses(root, bot.settings, bot.embedder, sock, None)
    return EXIT_OK


def _sync_before_serving(bot: Bot, label: str = "") -> None:
    """Sync the index with the readings; a folder that cannot be written, or another
    process updating the index, leaves the index as it is (served, not updated). While
    another process builds the first index, the server starts and waits for it (503)."""
    print(f"{label}indexing {str(bot.settings.docs_dir)!r} ...", flush=True)
    try:
        with _ProgressBar(quiet=False) as progress:
            report = bot.index(progress=progress)
    except IndexBusyError as exc:
        more = "serving the index as it is" if bot.has_index() else "waiting for its index"
        print(f"warning: {label}{exc}; {more}, and following its updates", file=sys.stderr)
    except IndexReadOnlyError as exc:
        if not bot.has_index():
            raise
        print(
            f"warning: {exc}; serving the index as it is, without updates from this server",
            file=sys.stderr,
        )
    else:
        print_report(report)  # unreadable files are skipped; the others are served


def print_report(report: SyncReport) -> None:
    for doc_id, message in report.skipped:
        print(f"skipped {doc_id}: {message}", file=sys.stderr)
    print(console.sync_report(report))


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
        try:
            for line in stream:
                if line.strip():
                    yield line.strip()
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"questions file {path!r} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                "save it as UTF-8"
            ) from None


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

            self.bar = tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


#: What each command of ``bot.arguments`` runs.
COMMANDS: dict[str, Callable[[Bot, argparse.Namespace], int]] = {
    "index": cmd_index,
    "add": cmd_add,
    "remove": cmd_remove,
    "list": cmd_list,
    "ask": cmd_ask,
    "search": cmd_search,
    "eval": cmd_eval,
    "serve": cmd_serve,
}
