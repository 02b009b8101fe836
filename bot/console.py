"""How results read on a terminal: answers, hits, document status, reports. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.types import Answer, Citation, DocumentStatus, Hit, SyncReport

if TYPE_CHECKING:
    from bot.evaluation import BeirReport, QaReport


def answer(answer: Answer) -> str:
    """An answer as plain text for the terminal."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", "Sources:"]
        lines += [_citation(c) for c in answer.citations]
    if answer.closest:
        lines += ["", "Closest passages (not an answer):"]
        lines += [_citation(c) for c in answer.closest]
    return "\n".join(lines)


def _citation(c: Citation) -> str:
    byline = ", ".join(x for x in (c.author, c.date) if x)
    where = f"{c.doc_id}, characters {c.start}-{c.end}" + (f", page {c.page}" if c.page else "")
    lines = [f"[{c.n}] {c.title}" + (f" — {byline}" if byline else ""), f"    {where}"]
    if c.source:
        lines.append(f"    {c.source}")
    lines.append(f"    “{_clip(' '.join(c.extract.split()), 300)}”")
    return "\n".join(lines)


def beir_report(r: BeirReport) -> str:
    built = (
        f"built in {r.index_seconds:.0f} s ({r.chunks_embedded:,} chunks embedded)"
        if r.chunks_embedded
        else "loaded from cache (nothing embedded)"
    )
    return "\n".join(
        [
            f"BEIR {r.collection}: {r.queries} queries, {r.documents:,} documents, "
            f"{r.chunks:,} chunks",
            f"nDCG@10 {r.ndcg_at_10:.4f}   Recall@10 {r.recall_at_10:.4f}   "
            f"Recall@100 {r.recall_at_100:.4f}   MRR@10 {r.mrr_at_10:.4f}",
            f"index: {built}",
            f"query latency: p50 {r.query_ms_p50:.1f} ms, p95 {r.query_ms_p95:.1f} ms",
        ]
    )


def qa_report(r: QaReport, documents: int, verbose: bool) -> str:
    lines = []
    if verbose:
        for result in r.results:
            if result.gold.doc_id is None:
                mark = "ok  " if not result.answered else "MISS"
                lines.append(f"{mark} refuse   {result.gold.question}")
            else:
                ok = result.hit_rank is not None and result.hit_rank <= 3
                got = (
                    f"hit@{result.hit_rank}"
                    if result.hit_rank
                    else ("no hit" if result.answered else "refused")
                )
                lines.append(f"{'ok  ' if ok else 'MISS'} {got:<9}{result.gold.question}")
        lines.append("")
    lines += [
        f"gold questions: {r.answerable} answerable, {r.unanswerable} not answerable "
        f"({documents:,} documents indexed)",
        f"hit@1 {r.hit_at_1:.3f}   hit@3 {r.hit_at_3:.3f}   "
        f"refusal accuracy {r.refusal_accuracy:.3f}   false refusals {r.false_refusal_rate:.3f}",
        f"ask latency p50 {r.ask_ms_p50:.0f} ms",
    ]
    return "\n".join(lines)


def sync_report(report: SyncReport) -> str:
    """One line of counts; skipped files are listed separately (on stderr by the CLI)."""
    return (
        f"index: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged, "
        f"{len(report.skipped)} skipped; {report.chunks_embedded} chunks and "
        f"{report.sentences_embedded} sentences embedded "
        f"in {report.seconds:.1f}s"
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def status_table(rows: Sequence[DocumentStatus]) -> str:
    """``bot list``: one aligned row per document, status last (it may be long)."""
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
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True)) + "  " + row[5]
        for row in table
    )


def hits(hits: Sequence[Hit]) -> str:
    """``bot search``: rank, score, chunk id and offsets, and the start of the text."""
    lines = []
    for rank, h in enumerate(hits, start=1):
        where = f"{h.chunk.chunk_id} [{h.chunk.start}:{h.chunk.end}]"
        lines.append(f"{rank:>2}. {h.score:.3f}  {where}")
        lines.append(f"    {_clip(' '.join(h.chunk.text.split()), 160)}")
    return "\n".join(lines)
