"""The command line's grammar: every command of ``bot``, its options and their defaults.

``bot.cli`` runs the commands; this module only describes them (and is what
``bot --help`` prints).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import __version__
from bot.config import ENV_NAMES, Settings


def _path_options(parser: argparse.ArgumentParser, default: object) -> None:
    """``--course``, ``--docs`` and ``--index-dir``, accepted before and after the command."""
    parser.add_argument(
        "--course",
        type=Path,
        metavar="DIR",
        default=default,
        help="a course folder: its course.toml, DIR/documents and DIR/index "
        "(--docs and --index-dir still win)",
    )
    parser.add_argument(
        "--docs",
        type=Path,
        metavar="DIR",
        default=default,
        help=f"documents folder (env {ENV_NAMES['docs_dir']}, default {Settings.docs_dir})",
    )
    parser.add_argument(
        "--index-dir",
        type=Path,
        metavar="DIR",
        default=default,
        help=f"index folder (env {ENV_NAMES['index_dir']}, default {Settings.index_dir})",
    )


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number between 0 and 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``bot``; ``args.command`` names the command (None if none was given)."""
    common = argparse.ArgumentParser(add_help=False)
    _path_options(common, argparse.SUPPRESS)  # so a command's absence keeps the global value

    parser = argparse.ArgumentParser(
        prog="bot", description="Answer questions about course readings with cited extracts."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _path_options(parser, None)
    parser.set_defaults(command=None)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(command=name)
        return p

    p = command("index", "sync the index with the documents folder")
    p.add_argument(
        "--rebuild", action="store_true", help="ignore the existing index and embed everything"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = command("add", "validate files, copy them into the documents folder and index them")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--replace", action="store_true", help="update a reading that has the same file name"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = command("remove", "delete documents from the documents folder and the index")
    p.add_argument("doc_ids", nargs="+", metavar="DOC_ID", help="ids as shown by 'bot list'")

    p = command("list", "list the documents and their index status")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command("ask", "answer a question with cited extracts")
    p.add_argument("question", nargs="?", help="the question (or use --questions)")
    p.add_argument("--json", action="store_true", help="machine-readable answer")
    p.add_argument(
        "--questions",
        metavar="FILE",
        help="one question per line ('-' for stdin); JSON Lines with --json",
    )
    p.add_argument("--top-k", type=_positive_int, metavar="N", help="chunks to draw extracts from")

    p = command("eval", "measure retrieval on a BEIR collection, or answers on gold questions")
    p.add_argument(
        "--beir",
        type=Path,
        metavar="DIR",
        help="a BEIR collection (corpus.jsonl, queries.jsonl, qrels/test.tsv)",
    )
    p.add_argument("--run", type=Path, metavar="FILE", help="with --beir: write a TREC run file")
    p.add_argument(
        "--qa", type=Path, metavar="FILE", help="gold questions, one JSON object per line"
    )
    p.add_argument(
        "--readings",
        type=Path,
        metavar="DIR",
        help="with --qa: answer from the readings in DIR (an index of their own, cached)",
    )
    p.add_argument(
        "--distractors",
        type=Path,
        metavar="DIR",
        help="with --qa: hide the readings among a BEIR collection's documents",
    )
    p.add_argument(
        "--distractor-count",
        type=_positive_int,
        default=1000,
        metavar="N",
        help="distractor documents (default 1000)",
    )
    p.add_argument("--fusion", choices=["minmax", "rrf"], help="override the fusion method")
    p.add_argument(
        "--alpha", type=_share, help="override the dense weight of min-max fusion (0 to 1)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("-v", "--verbose", action="store_true", help="with --qa: one line per question")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = command("search", "rank chunks for a query, with scores")
    p.add_argument("query")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--top-k", type=_positive_int, metavar="N", default=10, help="number of hits (default 10)"
    )

    p = command("init", "create a course folder: a commented course.toml and documents/")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument("--name", help="the course's short name (default: from the folder's name)")

    p = command("serve", "sync the index, then serve the web app (chat, widget, API)")
    p.add_argument(
        "--courses",
        type=Path,
        metavar="DIR",
        help="serve every course folder DIR/<slug>/ under /courses/<slug>/ (see bot init)",
    )
    p.add_argument(
        "--host",
        metavar="ADDR",
        help=f"address to listen on (env BOT_HOST, default {Settings.host})",
    )
    p.add_argument(
        "--port",
        type=_positive_int,
        metavar="N",
        help=f"port (env BOT_PORT, default {Settings.port})",
    )
    p.add_argument(
        "--follow",
        action="store_true",
        default=None,  # so that BOT_FOLLOW holds unless the option is given
        help="a replica that never writes the index: no indexing at start-up, no admin "
        "changes; it answers from what the writer replica indexes (env BOT_FOLLOW)",
    )
    return parser
