"""The one place that knows the whole path: folder → index → question → answer.

``Bot`` holds the state that lives across calls (the embedding model and the
loaded index) and is safe to share between threads: readers always see a whole
index, and an update swaps the new one in only after it is saved. An update written
by another process (a replica) is swapped in the same way by ``refresh``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.answer import (
    AnswerPolicy,
    Shown,
    compose_answer,
    foreign_refusal,
    question_evidence,
    refusal_text,
    score_sentences,
)
from bot.catalogue import about_readings, across_readings, compared_readings
from bot.config import Settings
from bot.conversation import (
    MAX_HISTORY,
    asks_for_more,
    refers_back,
    repeated,
    repeats,
    replayed,
    topic,
)
from bot.course import Course
from bot.documents import content_hash, doc_id_for, iter_document_files, load_document
from bot.embedding import Embedder, make_embedder
from bot.errors import (
    ConfigError,
    DocumentError,
    IndexCorruptError,
    IndexMissingError,
    IndexReadOnlyError,
    IndexStoreError,
    NotFoundError,
    QuestionError,
    StorageError,
)
from bot.generations import live_name, write_lock
from bot.metadata import checked, read_corrections, write_corrections
from bot.query import foreign_language, prepare
from bot.refusal import ALWAYS_ANSWER, Evidence, default_model
from bot.retrieval import retrieve
from bot.store import IndexInfo, Store
from bot.sync import SyncProgress, check_docs_dir, sync
from bot.types import AddReport, Answer, Citation, Document, DocumentStatus, Hit, SyncReport

#: A question across the readings ("what do the readings say about X?") cites at most this many.
MAX_READINGS_ACROSS = 4


class Bot:
    """A documents folder, its index, and the model that reads both."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        store: Store | None = None,
        course: Course | None = None,
    ) -> None:
        self.settings = settings
        self.course = course or Course()
        self._embedder = embedder
        self._store = store
        self._update_lock = threading.Lock()
        self.policy = AnswerPolicy(refusal_text=refusal_text(self.course.subject))

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings)
        return self._embedder

    @property
    def info(self) -> IndexInfo:
        return IndexInfo(
            model=self.embedder.name,
            chunk_chars=self.settings.chunk_chars,
            overlap_sentences=self.settings.overlap_sentences,
            encoder_passes=self.settings.encoder_passes,
        )

    @property
    def store(self) -> Store:
        """The loaded index (loaded on first use); raises if there is none."""
        if self._store is None:
            self._store = Store.load(self.settings.index_dir, model=self.embedder.name)
        return self._store

    def has_index(self) -> bool:
        try:
            _ = self.store
        except IndexMissingError:
            return False
        return True

    def refresh(self) -> bool:
        """Swap in the live generation if another process has written one since this bot's
        index was loaded (or if there was none); True if it did.

        Cheap when nothing changed: one small read of ``CURRENT``. Questions being answered
        keep the index they started with. A generation replaced while it was being loaded
        is not an error: the next call loads its successor. Raises ``IndexStoreError`` if
        the live generation cannot be loaded; the index held until then keeps answering.
        """
        index_dir = self.settings.index_dir
        live = _live_name(index_dir)
        if live is None or (self._store is not None and self._store.generation == live):
            return False
        if not self._update_lock.acquire(blocking=False):
            return False  # this bot is writing the index: it swaps in what it writes
        try:
            if self._store is not None and self._store.generation == _live_name(index_dir):
                return False  # this bot wrote it meanwhile
            try:
                store = Store.load(index_dir, model=self.embedder.name)
            except (IndexStoreError, OSError, RuntimeError) as exc:  # faiss: RuntimeError
                if _live_name(index_dir) != live:
                    return False  # replaced while it was loading: the next call loads the new one
                if isinstance(exc, IndexStoreError):
                    raise
                raise IndexCorruptError(
                    f"index generation {live!r} in {str(index_dir)!r} cannot be loaded ({exc}); "
                    "run 'bot index --rebuild' where the index is written"
                ) from None
            self._store = store
            return True
        finally:
            self._update_lock.release()

    # -- keeping the index in line with the documents folder ---------------

    def index(
        self,
        *,
        rebuild: bool = False,
        progress: SyncProgress | None = None,
        allow_empty: bool = False,
    ) -> SyncReport:
        """Sync the index with the documents folder; only new or changed files are embedded.

        A folder with no readable document does not empty the index (a wrong
        ``--docs`` would) unless ``rebuild`` or ``allow_empty`` says so.
        """
        self._check_writer()
        with self._update_lock, write_lock(self.settings.index_dir):
            old = None
            if not rebuild:
                try:
                    old = Store.load(self.settings.index_dir, model=self.embedder.name)
                except IndexMissingError:
                    old = None
            store, report = sync(self.settings.docs_dir, old, self.embedder, self.info, progress)
            if old and old.documents and not store.documents and not allow_empty:
                raise ConfigError(
                    f"no readable documents in {str(self.settings.docs_dir)!r} "
                    f"({len(report.skipped)} skipped), but the index holds "
                    f"{len(old.documents)} reading(s); pass the right --docs, or run "
                    "'bot index --rebuild' to empty the index"
                )
            if report.changed or old is None:
                try:
                    store.save(self.settings.index_dir)
                except OSError as exc:
                    raise StorageError(
                        f"cannot write the index in {str(self.settings.index_dir)!r} "
                        f"({exc.strerror}); the previous index is kept and still answers. "
                        "Free some disk space, then index again"
                    ) from None
            self._store = store
            return report

    def _check_writer(self) -> None:
        if self.settings.follow:
            raise IndexReadOnlyError(
                f"this server follows the index in {str(self.settings.index_dir)!r} and never "
                "writes it (bot serve --follow, BOT_FOLLOW); add, remove and index readings "
                "on the server that writes it"
            )

    def add(
        self,
        paths: Sequence[Path],
        *,
        replace: bool = False,
        progress: SyncProgress | None = None,
    ) -> AddReport:
        """Validate files, copy the readable ones into the documents folder, index them.

        A file whose name is taken by a different reading is rejected unless ``replace``.
        If the copy or the index update fails (a full disk, say), the documents folder is
        put back as it was: no reading is left half-added or lost.
        """
        self._check_writer()
        docs_dir = self.settings.docs_dir
        check_docs_dir(docs_dir)
        copied, rejected = [], []
        placed: list[_Placed] = []
        try:
            for path in paths:
                target = docs_dir / path.name
                try:
                    self.check_file(path)
                    if target.is_dir():
                        raise DocumentError(
                            path, f"{str(target)!r} is a folder; rename {str(path)!r} to add it"
                        )
                    if not replace and _differs(path, target):
                        raise DocumentError(
                            path,
                            f"{str(path)!r} would replace the different reading "
                            f"{str(target)!r}; rename the file, or pass --replace to update "
                            "that reading",
                        )
                except DocumentError as exc:
                    rejected.append((str(path), str(exc)))
                    continue
                if path.resolve() != target.resolve():
                    placed.append(_Placed.copy(path, target))
                copied.append(doc_id_for(target, docs_dir))
            report = self.index(progress=progress)
        except BaseException:
            for done in reversed(placed):
                done.undo()
            raise
        for done in placed:
            done.keep()
        return AddReport(tuple(copied), tuple(rejected), report)

    def check_file(self, path: Path) -> Document:
        """``path`` loaded as a reading; raises ``DocumentError`` if unreadable or too large."""
        limit = self.settings.max_upload_mb
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise DocumentError(path, f"cannot read {str(path)!r}: {exc.strerror}") from None
        if size > limit * 1024 * 1024:
            raise DocumentError(
                path,
                f"{str(path)!r} is {size / 1024 / 1024:.1f} MB, over the {limit:g} MB limit; "
                "split it or raise BOT_MAX_UPLOAD_MB",
            )
        return load_document(path, path.parent)

    def remove(self, doc_ids: Iterable[str]) -> SyncReport:
        """Delete documents from the documents folder and from the index."""
        self._check_writer()
        docs_dir = self.settings.docs_dir.absolute()
        targets = []
        for doc_id in doc_ids:
            # Not resolved: a linked reading is removed as the link, never its target.
            path = Path(os.path.normpath(docs_dir / doc_id))
            inside = path.is_relative_to(docs_dir) and path != docs_dir
            if not inside or not (path.is_symlink() or path.is_file()):
                known = ", ".join(sorted(self.store.documents)) if self.has_index() else "none"
                raise NotFoundError(
                    f"no document {doc_id!r} in {str(self.settings.docs_dir)!r}; "
                    f"'bot list' shows the ids (indexed: {known})"
                )
            targets.append(path)
        removed = [_Placed.remove(path) for path in targets]
        try:
            report = self.index(allow_empty=True)
        except BaseException:
            for done in reversed(removed):
                done.undo()
            raise
        for done in removed:
            done.keep()
        corrections = read_corrections(docs_dir)
        gone = {doc_id_for(path, docs_dir) for path in targets}
        if gone & set(corrections):  # a new reading of the same name starts afresh
            write_corrections(docs_dir, {k: v for k, v in corrections.items() if k not in gone})
        return report

    def reading(self, doc_id: str) -> Document:
        """A reading of the documents folder as the index has it, or would after the next
        sync (a file changed since is read again); raises ``NotFoundError``."""
        docs_dir = self.settings.docs_dir
        path = self._reading_path(doc_id)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentError(path, f"cannot read {str(path)!r}: {exc.strerror}") from None
        corrections = read_corrections(docs_dir)
        known = self.store.documents.get(doc_id) if self.has_index() else None
        if known is not None and known.content_hash == content_hash(data, corrections.get(doc_id)):
            return known
        return load_document(path, docs_dir, data, corrections)

    def _reading_path(self, doc_id: str) -> Path:
        """The file of a reading of the documents folder; raises ``NotFoundError``."""
        docs_dir = self.settings.docs_dir
        check_docs_dir(docs_dir)
        for path in iter_document_files(docs_dir):
            if doc_id_for(path, docs_dir) == doc_id:
                return path
        raise NotFoundError(f"no reading {doc_id!r} in {str(docs_dir)!r}; 'bot list' shows the ids")

    def correct(
        self, doc_id: str, fields: Mapping[str, str | None], progress: SyncProgress | None = None
    ) -> SyncReport:
        """Correct a reading's title, author or date (``bot.metadata``; a value of None
        goes back to the file's own) and re-index it. If the index cannot be updated,
        the corrections are put back as they were."""
        docs_dir = self.settings.docs_dir
        path = self._reading_path(doc_id)
        before = read_corrections(docs_dir)
        after = {**before, doc_id: checked(fields, before.get(doc_id))}
        load_document(path, docs_dir, corrections=after)  # still a readable reading
        write_corrections(docs_dir, after)
        try:
            return self.index(progress=progress)
        except BaseException:
            write_corrections(docs_dir, before)
            raise

    def status(self) -> list[DocumentStatus]:
        """Every document in the folder or the index, and how it stands."""
        check_docs_dir(self.settings.docs_dir)
        store = self.store if self.has_index() else None
        indexed = store.documents if store else {}
        rows: dict[str, DocumentStatus] = {}
        corrections = read_corrections(self.settings.docs_dir)
        for path in iter_document_files(self.settings.docs_dir):
            doc_id = doc_id_for(path, self.settings.docs_dir)
            known = indexed.get(doc_id)
            try:
                data = path.read_bytes()
            except OSError as exc:
                why = f"error: cannot read {str(path)!r} ({exc.strerror}); check its permissions"
                rows[doc_id] = _status_row(known, store, why, doc_id)
                continue
            if known is not None and known.content_hash == content_hash(
                data, corrections.get(doc_id)
            ):
                rows[doc_id] = _status_row(known, store, "indexed")
                continue
            try:
                doc = load_document(path, self.settings.docs_dir, data, corrections)
            except DocumentError as exc:
                rows[doc_id] = _status_row(known, store, f"error: {exc}", doc_id)
                continue
            rows[doc_id] = _status_row(doc, store, "changed" if known else "new")
        for doc_id, doc in indexed.items():
            rows.setdefault(doc_id, _status_row(doc, store, "deleted"))
        return [rows[k] for k in sorted(rows)]

    # -- questions ---------------------------------------------------------

    def check_question(self, question: str) -> str:
        """The question, stripped; raises ``QuestionError`` if empty or too long."""
        text = question.strip()
        if not text:
            raise QuestionError("the question is empty; type a question about the readings")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise QuestionError(
                f"the question is {len(text):,} characters long, over the limit of {limit:,}; "
                "ask something shorter (or raise BOT_MAX_QUESTION_CHARS)"
            )
        return text

    def search(self, query: str, top_k: int | None = None) -> list[Hit]:
        """The chunks most relevant to ``query``, best first."""
        text = self.check_question(query)
        store = self.store
        vector = self.embedder.embed([text])[0]
        return retrieve(store, text, vector, top_k or self.settings.top_k)

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """An extractive, cited answer, or an honest refusal.

        ``history`` holds the earlier questions of the conversation, oldest first.
        A follow-up that refers back ("why did they fail there?") is asked together
        with its topic (the last question that stood on its own, and the follow-ups
        since) first; any other question is asked on its own first, and with the
        topic only if that finds no answer.
        A follow-up asking for more ("what else did the study find?") leaves out
        the passages the earlier answers showed, found by asking those again; any
        other follow-up whose answer would show only what the previous answer showed
        says so (``bot.conversation``).
        """
        text = self.check_question(question)
        expected = self.course.language
        language = foreign_language(text, expected)
        if language is not None:
            refusal = foreign_refusal(language, expected)
            return Answer(question=text, answered=False, text=refusal)
        store = self.store  # one index for the whole answer, even if an update lands meanwhile
        about = about_readings(text, store.documents)
        if about is not None:
            return about
        compared = compared_readings(text, store.documents)
        if compared and not history:
            return self._side_by_side(store, text, compared)
        across = across_readings(text)
        if across is not None:
            return self._across_readings(store, text, across)
        earlier = [q.strip() for q in history if q.strip()][-MAX_HISTORY:]
        shown: set[Shown] = set()
        if asks_for_more(text):  # replay the answers since the topic was asked
            for n in replayed(earlier):
                hidden = shown if asks_for_more(earlier[n]) else set()
                answer = self._in_context(store, earlier[n], topic(earlier[:n]), hidden)
                shown.update(Shown(c.doc_id, c.start, c.end) for c in answer.citations)
        answer = self._in_context(store, text, topic(earlier), shown)
        if earlier and not asks_for_more(text) and not asks_for_more(earlier[-1]):
            previous = self._in_context(store, earlier[-1], topic(earlier[:-1]), set())
            if repeats(answer, previous):
                return repeated(answer)
        return answer

    def _in_context(
        self, store: Store, question: str, previous: str | None, shown: Collection[Shown]
    ) -> Answer:
        if previous is None:
            return self._answer(store, question, question, shown)
        in_context = f"{previous} {question}"
        queries = [in_context, question] if refers_back(question) else [question, in_context]
        answers = {}
        for query in queries:
            answers[query] = self._answer(store, question, query, shown)
            if answers[query].answered:
                return answers[query]
        return answers[question]

    def _side_by_side(self, store: Store, question: str, documents: list[Document]) -> Answer:
        """The best passages of each named reading, grouped by reading."""
        topic = question  # what the readings are compared on, without their authors' names
        for doc in documents:
            for name in re.findall(r"[^\W\d_]{3,}", doc.author or ""):
                topic = re.sub(rf"\b{re.escape(name)}(['’]s)?\b", " ", topic, flags=re.I)
        query, vector, hits = self._search(store, topic, top_k=len(store))
        answer = self._by_reading(store, question, query, vector, hits, documents)
        return answer or Answer(question=question, answered=False, text=self.policy.refusal_text)

    def _across_readings(self, store: Store, question: str, topic: str) -> Answer:
        """Every reading that speaks to ``topic``, best first, its best passage each.

        A reading speaks to it when the refusal model would answer the topic from that
        reading's own passages; at most ``MAX_READINGS_ACROSS`` readings.
        """
        query, vector, hits = self._search(store, topic, top_k=len(store))
        gate = self.policy.refusal or default_model()
        speaking = []
        for doc_id, own in _by_doc(hits).items():  # best reading first
            own = own[: self.settings.top_k]
            scored = score_sentences(query, vector, own, store, self.policy)
            if scored and gate.answers(question_evidence(query, scored, own, store)):
                speaking.append(store.documents[doc_id])
            if len(speaking) == MAX_READINGS_ACROSS:
                break
        answer = self._by_reading(store, question, query, vector, hits, speaking, 1)
        return answer or Answer(question=question, answered=False, text=self.policy.refusal_text)

    def _by_reading(
        self,
        store: Store,
        question: str,
        query: str,
        vector: np.ndarray,
        hits: list[Hit],
        documents: list[Document],
        per_reading: int = 2,
    ) -> Answer | None:
        """An answer citing each of ``documents`` from its own best hits, grouped by
        reading; None if none of them has a passage to cite."""
        policy = replace(self.policy, refusal=ALWAYS_ANSWER, max_extracts=per_reading)
        citations: list[Citation] = []
        parts = []
        grouped = _by_doc(hits)
        for doc in documents:
            own = grouped.get(doc.doc_id, [])[:3]
            answer = compose_answer(question, query, vector, own, store, policy)
            if not answer.answered:
                continue
            cited = [replace(c, n=len(citations) + i) for i, c in enumerate(answer.citations, 1)]
            citations += cited
            said = self.policy.writer(question, cited)
            parts.append(f"{doc.author or doc.title}, “{doc.title}”: {said}")
        if not citations:
            return None
        return Answer(question, True, "\n\n".join(parts), tuple(citations))

    def evidence(self, question: str) -> Evidence:
        """What the refusal model weighs for a question asked on its own (for fitting it)."""
        store = self.store
        query, vector, hits = self._search(store, self.check_question(question))
        scored = score_sentences(query, vector, hits, store, self.policy)
        return question_evidence(query, scored, hits, store)

    def _answer(
        self, store: Store, question: str, query: str, shown: Collection[Shown] = ()
    ) -> Answer:
        searched, vector, hits = self._search(store, query)
        return compose_answer(question, searched, vector, hits, store, self.policy, shown)

    def _search(
        self, store: Store, text: str, top_k: int | None = None
    ) -> tuple[str, np.ndarray, list[Hit]]:
        """What is searched for ``text`` (``bot.query.prepare``), its vector, and its hits."""
        query = prepare(text, store.vocabulary).text
        vector = self.embedder.embed([query])[0]
        return query, vector, retrieve(store, query, vector, top_k or self.settings.top_k)


def _live_name(index_dir: Path) -> str | None:
    """The generation ``CURRENT`` names; a pointer that cannot be read is an index error."""
    try:
        return live_name(index_dir)
    except OSError as exc:
        raise IndexStoreError(
            f"cannot read {str(index_dir / 'CURRENT')!r} ({exc.strerror}); "
            "check the index folder (a network file system that went away?)"
        ) from None


def _by_doc(hits: list[Hit]) -> dict[str, list[Hit]]:
    """Hits grouped by reading, readings in the order of their best hit."""
    grouped: dict[str, list[Hit]] = {}
    for hit in hits:
        grouped.setdefault(hit.chunk.doc_id, []).append(hit)
    return grouped


class _Placed:
    """A reading copied into (or removed from) the documents folder, undoable until kept.

    A copy is written beside its target under a hidden name (hidden names are not
    readings), a reading it replaces is set aside under another, and only then is the
    copy renamed into place; a removed reading is only set aside until kept.
    """

    def __init__(self, target: Path, set_aside: Path | None, added: bool = True) -> None:
        self.target, self.set_aside, self.added = target, set_aside, added

    @classmethod
    def remove(cls, target: Path) -> _Placed:
        set_aside = _hidden(target, "removed")
        os.replace(target, set_aside)
        return cls(target, set_aside, added=False)

    @classmethod
    def copy(cls, path: Path, target: Path) -> _Placed:
        staged = _hidden(target, "adding")
        try:
            shutil.copyfile(path, staged)
        except OSError as exc:
            staged.unlink(missing_ok=True)
            raise StorageError(
                f"cannot copy {str(path)!r} into {str(target.parent)!r} ({exc.strerror}); "
                "nothing was added. Free some disk space, then add it again"
            ) from None
        set_aside = None
        if target.exists() or target.is_symlink():  # a link is replaced, not its target
            set_aside = _hidden(target, "replaced")
            os.replace(target, set_aside)
        os.replace(staged, target)
        return cls(target, set_aside)

    def undo(self) -> None:
        """Put the folder back as it was."""
        if self.set_aside is not None:
            os.replace(self.set_aside, self.target)  # over the copy, if there is one
        elif self.added:
            self.target.unlink(missing_ok=True)

    def keep(self) -> None:
        if self.set_aside is not None:
            self.set_aside.unlink(missing_ok=True)


def _hidden(target: Path, kind: str) -> Path:
    """A hidden name beside ``target`` (not a reading; short whatever its name's length)."""
    return target.with_name(f".{kind}-{secrets.token_hex(6)}")


def _differs(path: Path, target: Path) -> bool:
    """Whether ``target`` exists and is not ``path`` nor a copy of it."""
    if not (target.exists() or target.is_symlink()) or path.resolve() == target.resolve():
        return False
    try:
        return path.read_bytes() != target.read_bytes()
    except OSError:  # a dangling link: something else has that name
        return True


def _status_row(
    doc: Document | None, store: Store | None, status: str, doc_id: str = ""
) -> DocumentStatus:
    """A ``bot list`` row; ``doc`` is None for a file that could not be read."""
    doc_id = doc.doc_id if doc else doc_id
    return DocumentStatus(
        doc_id=doc_id,
        title=doc.title if doc else doc_id,
        author=doc.author if doc else None,
        date=doc.date if doc else None,
        chunks=store.chunk_count(doc_id) if store and status != "new" else 0,
        status=status,
    )
