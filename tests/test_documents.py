"""Loaders for every supported format, metadata and fallbacks, and every kind of bad file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.documents import iter_document_files, load_document
from bot.errors import DocumentError, UnsupportedFileError
from tests.conftest import SEED_ID, SHIPPED_DOCS


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def make_pdf(pages: list[str], title: str | None = None, author: str | None = None) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    if title:
        pdf.setTitle(title)
    if author:
        pdf.setAuthor(author)
    for text in pages:
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_docx(paragraphs: list[tuple[str, str | None]], author: str = "") -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.author = author
    for text, style in paragraphs:
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_shipped_seed_article_keeps_its_text_and_attribution() -> None:
    doc = load_document(SHIPPED_DOCS / SEED_ID, SHIPPED_DOCS)
    seed = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_0a4cc2b44aa4650b.txt"
    if seed.is_file():
        assert doc.text == seed.read_text(encoding="utf-8")
    assert doc.doc_id == SEED_ID
    assert doc.title == "Whatever happened to Cameron's Big Society?"
    assert doc.author == "Simon Roberts and Bruce Stafford"
    assert doc.date == "2015-04-10"
    assert doc.source == (
        "https://blogs.nottingham.ac.uk/publicsocialpolicy/2015/04/10/"
        "whatever-happened-to-camerons-big-society/"
    )
    assert doc.licence is not None and doc.licence.startswith("CC BY 4.0")
    assert "Aspley" in doc.text and doc.text.startswith("April 10, 2015")


def test_txt_is_read_verbatim_with_normalised_newlines(tmp_path: Path) -> None:
    path = write(tmp_path, "notes/reading one.txt", "\ufeffFirst line.\r\nSecond line – café.\r\n")
    doc = load_document(path, tmp_path)
    assert doc.doc_id == "notes/reading one.txt"
    assert doc.text == "First line.\nSecond line – café.\n"
    assert doc.title == "reading one"  # no heading in plain text: the file name
    assert doc.content_hash.startswith("sha256:")


def test_markdown_front_matter_and_heading_fallback(tmp_path: Path) -> None:
    with_meta = write(
        tmp_path,
        "a.md",
        "---\ntitle: Civil society\nauthor: [A. Author, B. Writer, C. Scribe]\n"
        "date: 2011-02-03\nurl: https://example.org/a\nlicense: CC0\n---\nBody text.\n",
    )
    doc = load_document(with_meta, tmp_path)
    assert (doc.title, doc.author, doc.date, doc.source, doc.licence) == (
        "Civil society",
        "A. Author, B. Writer and C. Scribe",
        "2011-02-03",
        "https://example.org/a",
        "CC0",
    )
    assert doc.text == "Body text."
    heading = write(tmp_path, "b.md", "Intro line.\n\n## The heading ##\n\nText.")
    assert load_document(heading, tmp_path).title == "The heading"
    plain = write(tmp_path, "c.md", "No heading here.")
    assert load_document(plain, tmp_path).title == "c"


def test_html_readable_text_title_and_no_scripts(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Big   Society &amp; the State</title>"
        '<meta name="author" content="Jane Doe"></head><body><nav>Home | About</nav>'
        "<article><h1>Heading</h1><p>The Big Society was launched in 2010 by the PM.</p>"
        "<p>Critics called it cover for cuts.<script>alert('x')</script></p></article>"
        "<footer>Copyright</footer></body></html>"
    )
    doc = load_document(write(tmp_path, "page.html", html), tmp_path)
    assert doc.title == "Big Society & the State"
    assert doc.author == "Jane Doe"
    assert "launched in 2010" in doc.text and "cover for cuts" in doc.text
    assert "alert" not in doc.text and "<" not in doc.text


def test_pdf_pages_are_remembered(tmp_path: Path) -> None:
    data = make_pdf(
        ["Page one talks about volunteers.", "Page two talks about libraries."],
        title="A PDF reading",
        author="P. Author",
    )
    doc = load_document(write(tmp_path, "r.pdf", data), tmp_path)
    assert doc.title == "A PDF reading" and doc.author == "P. Author"
    assert len(doc.pages) == 2
    second = doc.text.index("Page two")
    assert doc.page_at(second) == 2
    assert doc.page_at(doc.text.index("Page one")) == 1
    assert doc.text[doc.pages[1] :].startswith("Page two")


def test_docx_paragraphs_title_and_author(tmp_path: Path) -> None:
    data = make_docx(
        [("Localism and the state", "Heading 1"), ("Councils lost funding.", None)],
        author="D. Writer",
    )
    doc = load_document(write(tmp_path, "r.docx", data), tmp_path)
    assert doc.title == "Localism and the state"
    assert doc.author == "D. Writer"
    assert doc.text == "Localism and the state\n\nCouncils lost funding."


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.md", b"  \n\n\t", "is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("latin1.txt", "caf\u00e9 society".encode("latin-1"), "not valid UTF-8 (byte 0xe9"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "not a readable DOCX"),
        ("bad-yaml.md", "---\ntitle: [unclosed\n---\nText", "invalid YAML front matter"),
        ("only-front-matter.md", "---\ntitle: T\n---\n", "no readable text"),
    ],
)
def test_bad_files_raise_a_clear_error_naming_the_file(
    tmp_path: Path, name: str, data: bytes | str, expected: str
) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(DocumentError) as info:
        load_document(path, tmp_path)
    assert expected in str(info.value)
    assert name in str(info.value)
    assert info.value.path == str(path)


def test_pdf_without_text_says_it_may_be_scanned(tmp_path: Path) -> None:
    path = write(tmp_path, "scan.pdf", make_pdf([""]))
    with pytest.raises(DocumentError, match="no extractable text"):
        load_document(path, tmp_path)


def test_unsupported_type_lists_what_we_read(tmp_path: Path) -> None:
    path = write(tmp_path, "sheet.xlsx", b"PK\x03\x04")
    with pytest.raises(UnsupportedFileError, match=r"\.xlsx file.*\.txt \.md"):
        load_document(path, tmp_path)


def test_iter_document_files_skips_hidden_files_and_folders(tmp_path: Path) -> None:
    write(tmp_path, "b.txt", "b")
    write(tmp_path, "sub/a.md", "a")
    write(tmp_path, ".hidden.txt", "h")
    write(tmp_path, ".git/config", "x")
    names = [p.relative_to(tmp_path).as_posix() for p in iter_document_files(tmp_path)]
    assert names == ["b.txt", "sub/a.md"]


def test_a_placeholder_pdf_title_falls_back_to_the_file_name(tmp_path: Path) -> None:
    untitled = load_document(write(tmp_path, "localism-act.pdf", make_pdf(["Text."])), tmp_path)
    assert untitled.title == "localism-act"  # reportlab writes "untitled" when none is set
    named = load_document(write(tmp_path, "b.pdf", make_pdf(["Text."], title="Title IX")), tmp_path)
    assert named.title == "Title IX"


def test_a_linked_reading_is_known_by_the_links_name(tmp_path: Path) -> None:
    outside = write(tmp_path, "elsewhere/real-name.txt", "A reading kept elsewhere.")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "linked.txt").symlink_to(outside)
    [path] = iter_document_files(docs)
    doc = load_document(path, docs)
    assert doc.doc_id == "linked.txt" and doc.text == "A reading kept elsewhere."
