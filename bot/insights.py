"""What students ask, kept for their instructors, privately: the course's insights.

Recorded at the web edges only (``/api/ask``, the chat and ``/api/feedback``), never by
``Bot.ask``: the command line and evaluations record nothing. One SQLite file per
course, ``insights.sqlite3`` beside ``course.toml`` (the parent of the documents
folder): outside the index folder, whose generations are replaced, so re-indexing
keeps it.

What is stored, and nothing else: a question's text (at most ``MAX_QUESTION_CHARS``,
whitespace collapsed), the day it was asked (UTC, no time of day), how many times it
was asked that day, whether it was answered, which readings the answer cited, and how
many answers to it were marked helpful or not helpful. Never an IP address, a cookie,
a user, session or conversation id, a user agent, nor which questions came together.

- Retention: rows older than ``days`` days are deleted on every write and every read
  (with SQLite's ``secure_delete``, so their text is overwritten, not just unlinked);
  ``days = 0`` is the off switch: nothing is recorded and no file is made.
- Bounds: at most ``MAX_QUESTIONS_PER_DAY`` distinct questions a day are kept (beyond
  that only the day's counts grow); feedback never adds a row: it counts for a
  question that was asked, at most once per time it was asked.
- A failure to record (a full disk) is logged and never stops an answer.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StorageError
from bot.types import Answer

FILE = "insights.sqlite3"
#: The schema's version (``PRAGMA user_version``), checked on open.
VERSION = 1
MAX_QUESTION_CHARS = 500
MAX_QUESTIONS_PER_DAY = 1000

_log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    day TEXT NOT NULL,              -- YYYY-MM-DD, UTC
    key TEXT NOT NULL,              -- the question, case-folded: what counts as the same
    question TEXT NOT NULL,
    asked INTEGER NOT NULL,
    answered INTEGER NOT NULL,      -- whether it was answered, the last time that day
    cited TEXT NOT NULL,            -- JSON list of the readings cited, the last time
    helpful INTEGER NOT NULL DEFAULT 0,
    not_helpful INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, key)
);
CREATE INDEX IF NOT EXISTS questions_by_key ON questions (key, day);
CREATE TABLE IF NOT EXISTS days (
    day TEXT PRIMARY KEY,
    asked INTEGER NOT NULL,
    answered INTEGER NOT NULL
);
"""


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def insights_file(course_dir: Path) -> Path:
    """Where a course keeps its insights: beside its ``course.toml``."""
    return course_dir / FILE


@dataclass(frozen=True)
class AskedQuestion:
    """A question over the days kept: how often, and how it went the last time."""

    question: str
    count: int
    answered: bool
    helpful: int
    not_helpful: int
    first_day: str
    last_day: str
    cited: tuple[str, ...]


@dataclass(frozen=True)
class DayCount:
    day: str
    asked: int
    answered: int


@dataclass(frozen=True)
class InsightsReport:
    """Everything kept, summed up for the admin page (``questions``: most asked first)."""

    enabled: bool
    days: int
    since: str | None
    per_day: tuple[DayCount, ...] = ()
    questions: tuple[AskedQuestion, ...] = ()
    #: (reading id, how many asked questions' answers cited it), most cited first.
    cited: tuple[tuple[str, int], ...] = ()

    @property
    def unanswered(self) -> tuple[AskedQuestion, ...]:
        """The questions the readings did not answer the last time: their gaps."""
        return tuple(q for q in self.questions if not q.answered)


class Insights:
    """A course's insights file; every call opens it, so any thread or process may share it."""

    def __init__(
        self,
        path: Path,
        days: int,
        *,
        today: Callable[[], dt.date] = utc_today,
        max_per_day: int = MAX_QUESTIONS_PER_DAY,
    ) -> None:
        self.path, self.days, self.today, self.max_per_day = path, days, today, max_per_day

    @property
    def enabled(self) -> bool:
        return self.days > 0

    def record(self, answer: Answer) -> None:
        """Count one question asked and how it was answered (logged, not raised, on failure)."""
        if not self.enabled:
            return
        question = _tidy(answer.question)
        if not question:
            return
        cited = json.dumps(sorted({c.doc_id for c in answer.citations}))
        day = self.today().isoformat()
        try:
            with self._open() as db:
                db.execute(
                    "INSERT INTO days VALUES (?, 1, ?) ON CONFLICT (day) DO UPDATE SET "
                    "asked = asked + 1, answered = answered + excluded.answered",
                    (day, int(answer.answered)),
                )
                known = db.execute(
                    "SELECT 1 FROM questions WHERE day = ? AND key = ?", (day, _key(question))
                ).fetchone()
                (kept,) = db.execute(
                    "SELECT count(*) FROM questions WHERE day = ?", (day,)
                ).fetchone()
                if known or kept < self.max_per_day:
                    db.execute(
                        "INSERT INTO questions (day, key, question, asked, answered, cited) "
                        "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (day, key) DO UPDATE SET "
                        "asked = asked + 1, answered = excluded.answered, cited = excluded.cited, "
                        "question = excluded.question",
                        (day, _key(question), question, int(answer.answered), cited),
                    )
        except (sqlite3.Error, OSError, StorageError) as exc:
            _log.warning("insights: could not record a question in %s (%s)", self.path, exc)

    def feedback(self, question: str, helpful: bool) -> bool:
        """Count a student's verdict on the answer to ``question``; False (nothing counted)
        unless it was asked in the days kept and has had fewer verdicts than asks."""
        if not self.enabled or not _tidy(question):
            return False
        column = "helpful" if helpful else "not_helpful"
        try:
            with self._open() as db:
                changed = db.execute(
                    f"UPDATE questions SET {column} = {column} + 1 WHERE rowid = ("
                    "SELECT rowid FROM questions WHERE key = ? AND helpful + not_helpful < asked "
                    "ORDER BY day DESC LIMIT 1)",
                    (_key(_tidy(question)),),
                ).rowcount
        except (sqlite3.Error, OSError, StorageError) as exc:
            _log.warning("insights: could not record feedback in %s (%s)", self.path, exc)
            return False
        return changed > 0

    def report(self) -> InsightsReport:
        """Everything kept; raises ``StorageError`` if the file cannot be read."""
        if not self.enabled:
            return InsightsReport(enabled=False, days=0, since=None)
        if not self.path.exists():
            return InsightsReport(enabled=True, days=self.days, since=self._since())
        with self._open() as db:
            days = db.execute("SELECT day, asked, answered FROM days ORDER BY day").fetchall()
            rows = db.execute(
                "SELECT day, key, question, asked, answered, cited, helpful, not_helpful "
                "FROM questions ORDER BY day"
            ).fetchall()
        merged: dict[str, AskedQuestion] = {}
        cited: dict[str, int] = {}
        for day, key, question, asked, answered, readings, helpful, not_helpful in rows:
            earlier = merged.get(key)
            merged[key] = AskedQuestion(
                question=question,
                count=asked + (earlier.count if earlier else 0),
                answered=bool(answered),
                helpful=helpful + (earlier.helpful if earlier else 0),
                not_helpful=not_helpful + (earlier.not_helpful if earlier else 0),
                first_day=earlier.first_day if earlier else day,
                last_day=day,
                cited=tuple(json.loads(readings)),
            )
            for doc_id in json.loads(readings):
                cited[doc_id] = cited.get(doc_id, 0) + asked
        return InsightsReport(
            enabled=True,
            days=self.days,
            since=self._since(),
            per_day=tuple(DayCount(*row) for row in days),
            questions=tuple(
                sorted(merged.values(), key=lambda q: (-q.count, q.last_day, q.question))
            ),
            cited=tuple(sorted(cited.items(), key=lambda item: (-item[1], item[0]))),
        )

    def csv_text(self) -> str:
        """One row per day and question, for a spreadsheet (formulas made inert)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["day", "question", "asked", "answered", "helpful", "not_helpful", "cited"])
        if self.enabled and self.path.exists():
            with self._open() as db:
                rows = db.execute(
                    "SELECT day, question, asked, answered, helpful, not_helpful, cited "
                    "FROM questions ORDER BY day, asked DESC, question"
                ).fetchall()
            for day, question, asked, answered, helpful, not_helpful, readings in rows:
                ids = " ".join(json.loads(readings))
                row = [day, question, asked, "yes" if answered else "no", helpful, not_helpful, ids]
                writer.writerow([_inert(str(v)) for v in row])
        return out.getvalue()

    def _since(self) -> str:
        """The first day kept."""
        return (self.today() - dt.timedelta(days=self.days - 1)).isoformat()

    @contextlib.contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        """A transaction on the file (made if need be), with what is past retention deleted."""
        try:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(
                f"cannot open the insights file {str(self.path)!r} ({exc}); check its folder"
            ) from None
        try:
            db.execute("PRAGMA secure_delete = ON")  # deleted questions are overwritten
            db.execute("PRAGMA synchronous = NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, VERSION):
                raise StorageError(
                    f"the insights file {str(self.path)!r} is version {version}, this bot reads "
                    f"version {VERSION}; move it away to start a new one"
                )
            db.execute("BEGIN IMMEDIATE")
            if version == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {VERSION}")
            since = self._since()
            db.execute("DELETE FROM questions WHERE day < ?", (since,))
            db.execute("DELETE FROM days WHERE day < ?", (since,))
            yield db
            db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise StorageError(
                f"the insights file {str(self.path)!r} cannot be used ({exc}); "
                "free some disk space, or move the file away to start a new one"
            ) from None
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()


def _tidy(question: str) -> str:
    return " ".join(question.split())[:MAX_QUESTION_CHARS]


def _key(question: str) -> str:
    return question.casefold()


def _inert(value: str) -> str:
    """A spreadsheet cell that is never a formula (``=``, ``+``, ``-``, ``@`` start one)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
