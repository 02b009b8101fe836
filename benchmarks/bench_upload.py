"""A long reading uploaded through the admin API: how soon is it answerable?

Usage: python benchmarks/bench_upload.py [--pages 300] [--words-per-page 420] [--runs 1]

Generates a text PDF of PAGES pages of varied prose (reportlab; deterministic), with
one sentence on a late page that answers a question nothing else does. Starts
``python app.py`` on a copy of the shipped course (loopback, a free port), then, per
run: PUT the PDF to ``/api/admin/documents/…`` (the upload returns once it is
indexed), then asks the question until an answer cites the PDF. Prints the time from
the upload's start to that answer, the upload alone, and what was embedded; the PDF is
deleted again between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench-upload-token-0123456789"
NAME = "long-council-report.pdf"
QUESTION = "How many oak saplings did the Ashwell parish council plant along the towpath?"
NEEDLE = (
    "In March the Ashwell parish council planted 412 oak saplings along the canal towpath, "
    "paid for by a levy on the new marina."
)

_SUBJECTS = [
    "The council",
    "Volunteers",
    "The trust",
    "Residents",
    "The charity",
    "Officers",
    "The working group",
    "Local businesses",
    "The steering committee",
    "Tenants",
]
_VERBS = [
    "reviewed",
    "funded",
    "questioned",
    "expanded",
    "postponed",
    "audited",
    "published",
    "debated",
    "supported",
    "reorganised",
]
_OBJECTS = [
    "the library opening hours",
    "a grant for the youth club",
    "the community transport scheme",
    "the parks maintenance budget",
    "a survey of older residents",
    "the food bank's winter rota",
    "plans for a shared allotment",
    "the adult learning courses",
    "the housing association's repairs backlog",
    "a volunteer training programme",
]
_CLAUSES = ["after a consultation that ran for six weeks", "because the earlier figures were "
            "incomplete", "despite objections from two ward members", "while waiting for the "
            "county's decision", "so that the savings could be measured", "following complaints "
            "about the previous arrangement", "with help from the university's students", "as the "
            "report's second chapter recommends"]  # fmt: skip


def prose(rng: random.Random, words: int) -> list[str]:
    """Sentences of council-report prose, about ``words`` words in all."""
    out: list[str] = []
    count = 0
    while count < words:
        sentence = (
            f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
            f"{rng.choice(_CLAUSES)}, and {rng.randint(3, 97)} people took part in year "
            f"{rng.randint(2008, 2016)}."
        )
        out.append(sentence)
        count += len(sentence.split())
    return out


def write_pdf(path: Path, pages: int, words_per_page: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    rng = random.Random(7)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    width, height = A4
    needle_page = pages - max(1, pages // 20)
    for number in range(1, pages + 1):
        sentences = prose(rng, words_per_page)
        if number == needle_page:
            sentences.insert(len(sentences) // 2, NEEDLE)
        text = pdf.beginText(60, height - 60)
        text.setFont("Helvetica", 9.5)
        line = ""
        for word in " ".join(sentences).split():
            trial = f"{line} {word}".strip()
            if stringWidth(trial, "Helvetica", 9.5) > width - 120:
                text.textLine(line)
                line = word
            else:
                line = trial
        text.textLine(line)
        pdf.drawText(text)
        pdf.drawString(width / 2, 30, str(number))  # a page number, dropped by the loader
        pdf.showPage()
    pdf.save()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(url: str, *, data: bytes | None = None, method: str = "GET", **headers: str) -> dict:  # type: ignore[type-arg]
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=600) as response:
        return json.load(response)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--words-per-page", type=int, default=420)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    pdf = work / NAME
    write_pdf(pdf, args.pages, args.words_per_page)
    shutil.copytree(REPO / "documents", work / "documents")
    shutil.copy(REPO / "course.toml", work / "course.toml")
    port = free_port()
    app = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BOT_ADMIN_TOKEN": TOKEN, "BOT_MAX_UPLOAD_MB": "50"}
    command = [sys.executable, "app.py", "--docs", str(work / "documents"),
               "--index-dir", str(work / "index"), "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        while True:
            try:
                request(app + "/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    sys.exit("the app did not start")
                time.sleep(0.5)
        size_kb = pdf.stat().st_size / 1e3
        print(f"{args.pages}-page text PDF, {size_kb:.0f} kB; question: {QUESTION!r}")
        totals = []
        for run in range(1, args.runs + 1):
            began = time.perf_counter()
            upload = request(
                f"{app}/api/admin/documents/{NAME}", data=pdf.read_bytes(), method="PUT", **auth
            )
            uploaded = time.perf_counter() - began
            while True:
                body = json.dumps({"question": QUESTION}).encode()
                answer = request(
                    app + "/api/ask",
                    data=body,
                    method="POST",
                    **{"Content-Type": "application/json"},
                )
                if NAME in {c["doc_id"] for c in answer["citations"]}:
                    break
                if time.perf_counter() - began > 600:
                    sys.exit("the PDF was never cited")
                time.sleep(0.2)
            total = time.perf_counter() - began
            totals.append(total)
            report = upload["report"]
            print(
                f"run {run}: answerable {total:.1f} s after the upload began (upload and "
                f"index {uploaded:.1f} s; {report['chunks_embedded']} chunks, "
                f"{report['sentences_embedded']} sentences embedded in {report['seconds']:.1f} s)"
            )
            request(f"{app}/api/admin/documents/{NAME}", method="DELETE", **auth)
        print(f"median: {statistics.median(totals):.1f} s from upload to answer")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
