"""Harvard-style references for citations (golden strings)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.reference import in_text, reference
from bot.types import Citation

ACCESSED = dt.date(2025, 12, 3)
SEED_URL = "https://blogs.nottingham.ac.uk/publicsocialpolicy/2015/04/10/whatever-happened/"


def cite(**fields) -> Citation:  # type: ignore[no-untyped-def]
    values = {
        "n": 1,
        "doc_id": "seed.md",
        "title": "Whatever happened to Cameron's Big Society?",
        "author": "Simon Roberts and Bruce Stafford",
        "date": "2015-04-10",
        "source": SEED_URL,
        "page": None,
        "start": 0,
        "end": 5,
        "extract": "Much.",
        "score": 1.0,
    }
    return Citation(**{**values, **fields})


def test_a_blog_post_by_two_authors() -> None:
    c = cite()
    assert reference(c, ACCESSED) == (
        "Roberts, S. and Stafford, B. (2015) Whatever happened to Cameron's Big Society? "
        f"Available at: {SEED_URL} (Accessed: 3 December 2025)."
    )
    assert in_text(c) == "(Roberts and Stafford, 2015)"


@pytest.mark.parametrize(
    ("fields", "entry", "cited"),
    [
        (
            {"author": "Miriam Okafor", "date": "2013", "source": None, "page": 4,
             "title": "Community rights in practice"},
            "Okafor, M. (2013) Community rights in practice.",
            "(Okafor, 2013, p. 4)",
        ),
        (
            {"author": None, "date": None, "source": "Eastmere Council minutes"},
            "Whatever happened to Cameron's Big Society? (n.d.) Eastmere Council minutes.",
            "(Whatever happened to Cameron's Big Society?, n.d.)",
        ),
        (
            {"author": "Ian Renton (ianrenton.com blog)", "date": "2010-09-28", "source": None},
            "Renton, I. (2010) Whatever happened to Cameron's Big Society?",
            "(Renton, 2010)",
        ),
        (
            {"author": "Anna Bell, Carl Dunn, Eve Ford and Gus Hale", "source": None},
            "Bell, A. et al. (2015) Whatever happened to Cameron's Big Society?",
            "(Bell et al., 2015)",
        ),
        (
            {"author": "Anna Bell, Carl Dunn and Eve Ford", "source": None},
            "Bell, A., Dunn, C. and Ford, E. (2015) Whatever happened to Cameron's Big Society?",
            "(Bell, Dunn and Ford, 2015)",
        ),
        (
            {"author": "Roberts, Simon", "source": None, "title": "Notes"},
            "Roberts, Simon (2015) Notes.",
            "(Roberts, 2015)",
        ),
        (
            {"author": "Nottingham City Council", "source": None, "title": "Parks plan"},
            "Nottingham City Council (2015) Parks plan.",
            "(Nottingham City Council, 2015)",
        ),
    ],
)  # fmt: skip
def test_other_readings(fields, entry, cited) -> None:  # type: ignore[no-untyped-def]
    c = cite(**fields)
    assert reference(c, ACCESSED) == entry
    assert in_text(c) == cited
