"""How results read on a terminal: answers, hits, document status, reports. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from bot.types import Answer, Citation, DocumentStatus, Hit, SyncReport

if TYPE_CHECKING:
    from bot.evaluation import BeirReport
    from bot.gold import GoldReport


def answer(answer: Answer) -> str:
    """An answer as plain text for the terminal; sources grouped by reading when several
    readings are cited."""
    lines = [answer.text]
    readings: dict[str, list[Citation]] = {}
    for c in answer.citations:
        readings.setdefault(c.doc_id, []).append(c)
    if len(readings) == 1:
        lines += ["", "Sources:"]
        lines += [_citation(c) for c in answer.citations]
    elif readings:
        lines += ["", f"Sources, from {len(readings)} readings:"]
        for i, cited in enumerate(readings.values(), start=1):
            first = cited[0]
            byline = ", ".join(x for x in (first.author, first.date) if x)
            lines.append(f"Reading {i} of {len(readings)}: {first.title}"
                         + (f" — {byline}" if byline else ""))  # fmt: skip
            lines += [_indent(_citation(c)) for c in cited]
    if answer.closest:
        lines += ["", "Closest passages (not an answer):"]
        lines += [_citation(c) for c in answer.closest]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))


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


def gold_report(r: GoldReport, documents: int, verbose: bool) -> str:
    """Gold-question results by kind, then every miss (every question with ``verbose``)."""
    lines = [
        f"gold questions: {r.answerable} answerable, {r.unanswerable} not answerable "
        f"({documents:,} documents indexed)",
        f"hit@1 {r.hit_at_1:.3f}   hit@3 {r.hit_at_3:.3f}   false refusals "
        f"{r.false_refusals:.3f}   refusals of the unanswerable {r.refusals:.3f}",
        "",
        f"{'kind':<12}{'n':>4}{'right':>8}{'hit@1':>8}{'refused':>9}",
    ]
    for k in r.kinds:
        lines.append(
            f"{k.kind:<12}{k.questions:>4}{k.right:>8.2f}{k.hit_at_1:>8.2f}{k.refused:>9.2f}"
        )
    bounds = "   ".join(f"{fmt} {share:.2f}" for fmt, share in r.at_boundaries.items())
    lines += ["", f"citations at sentence boundaries: {bounds or 'none'}"]
    lines.append(f"ask latency p50 {r.ask_ms_p50:.0f} ms")
    shown = r.results if verbose else r.misses
    if shown:
        lines += ["", "every question:" if verbose else "misses:"]
    for result in shown:
        if result.right:
            mark = "ok  "
        elif not result.gold.answerable:
            mark = "MISS answered"
        else:
            mark = "MISS refused" if not result.answer.answered else "MISS wrong"
        lines.append(f"{mark} [{result.gold.kind}] {result.gold.question}")
        if not result.right:
            for c in result.answer.citations[:3]:
                lines.append(f"     [{c.n}] {c.doc_id}: {_clip(' '.join(c.extract.split()), 90)}")
    return "\n".join(lines)


def gold_json(r: GoldReport) -> dict[str, object]:
    """The report as JSON: totals, kinds, boundary shares, one row per question."""
    return {
        "answerable": r.answerable,
        "unanswerable": r.unanswerable,
        "hit_at_1": r.hit_at_1,
        "hit_at_3": r.hit_at_3,
        "false_refusals": r.false_refusals,
        "refusals": r.refusals,
        "kinds": [asdict(k) for k in r.kinds],
        "at_boundaries": r.at_boundaries,
        "ask_ms_p50": r.ask_ms_p50,
        "results": [
            {
                "question": x.gold.question,
                "kind": x.gold.kind,
                "doc_ids": list(x.gold.doc_ids),
                "answered": x.answer.answered,
                "hit_rank": x.hit_rank,
                "right": x.right,
                "ms": round(x.ms, 1),
            }
            for x in r.results
        ],  # fmt: skip
    }


def sync_report(report: SyncReport) -> str:
    """One line of counts; skipped files are listed separately (on stderr by the CLI)."""
    return (
        f"index: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged, "
        f"{len(report.skipped)} skipped; {_embedded(report)} in {report.seconds:.1f}s"
    )


def _embedded(report: SyncReport) -> str:
    """What went through the encoder, and what was pooled from it (``bot.passes``)."""
    alone = f"{report.chunks_embedded} chunks and {report.sentences_embedded} sentences embedded"
    if report.windows_embedded:
        return (
            f"{report.windows_embedded} document windows embedded, {report.chunks_pooled} "
            f"chunks and {report.sentences_pooled} sentences pooled from them, "
            f"{report.chunks_embedded} chunks and {report.sentences_embedded} sentences "
            "embedded on their own"
        )
    if report.sentences_pooled:
        return f"{alone}, {report.sentences_pooled} sentences pooled from the chunks"
    return alone


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
