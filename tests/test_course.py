"""A course as configuration: the shipped course.toml, bad files named, new course folders."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.course import COURSE_FILE, Course, course_file, course_slug, init_course, load_course
from bot.errors import ConfigError
from tests.conftest import REPO


def test_the_shipped_course_is_the_big_society_course() -> None:
    course = load_course(REPO / COURSE_FILE)
    assert course.title == "Big Society reading bot"
    assert course.ask_title == "Ask the Big Society readings"
    assert course.subject == "the UK “Big Society” debate"
    assert (
        course.examples[0] == "Why did co-production fail in Aspley?" and len(course.examples) == 4
    )
    assert course.welcome == "Ask about the readings, or pick an example below."
    assert course.language == "en" and course.embed_origins == ()
    assert not course.accepts_admin_token("anything")  # no course token: the server's only
    assert course_file(REPO / "documents") == REPO / COURSE_FILE


def test_no_course_file_is_the_plain_default_course(tmp_path: Path) -> None:
    course = load_course(tmp_path / COURSE_FILE)
    assert course == Course() and course.title == "Course reading bot" and course.examples == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "is not valid TOML"),
        ('nmae = "X"', "nmae is not a course setting"),
        ("name = 3", "name must be a string, not 3"),
        ('name = "  "', "name must not be empty"),
        ('examples = "Why?"', "examples must be a list of non-empty strings"),
        ('examples = ["Why?", ""]', "examples must be a list of non-empty strings"),
        ('language = "english"', "language must be a two-letter code"),
        ('embed_origins = ["moodle.example.ac.uk"]', "embed_origins holds 'moodle.example.ac.uk'"),
        ('admin_token_sha256 = "abc"', "must be 64 hexadecimal digits"),
    ],
)
def test_a_bad_course_file_is_named_with_the_field_and_how_to_fix_it(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / COURSE_FILE
    path.write_text(text + "\n")
    with pytest.raises(ConfigError) as raised:
        load_course(path)
    assert message in str(raised.value) and str(path) in str(raised.value)


def test_origins_are_read_as_browsers_send_them(tmp_path: Path) -> None:
    path = tmp_path / COURSE_FILE
    path.write_text('embed_origins = ["https://Moodle.Example.ac.uk/", "http://b.org:8000"]\n')
    assert load_course(path).embed_origins == ("https://moodle.example.ac.uk", "http://b.org:8000")


def test_init_makes_a_commented_course_folder_with_its_own_admin_token(tmp_path: Path) -> None:
    made = init_course(tmp_path / "urban-policy")
    text = (made.folder / COURSE_FILE).read_text()
    assert text.count("\n#") >= 8  # every setting explained
    assert (made.folder / "documents").is_dir()
    course = load_course(made.folder / COURSE_FILE)
    assert course.name == "Urban Policy" and course.title == "Urban Policy reading bot"
    assert len(made.admin_token) >= 16 and made.admin_token not in text  # only its hash
    assert course.admin_token_sha256 == hashlib.sha256(made.admin_token.encode()).hexdigest()
    assert course.accepts_admin_token(made.admin_token)
    assert not course.accepts_admin_token(made.admin_token + "x")
    with pytest.raises(ConfigError, match="already exists"):
        init_course(made.folder)
    named = init_course(tmp_path / "other", name='The "Good" Society')
    assert load_course(named.folder / COURSE_FILE).name == 'The "Good" Society'


@pytest.mark.parametrize(
    ("name", "slug"),
    [("big-society", "big-society"), ("soc101", "soc101"), ("Big Society", None), (".x", None)],
)
def test_a_course_is_served_under_its_folder_name_when_that_is_a_slug(
    name: str, slug: str | None
) -> None:
    assert course_slug(Path("/courses") / name) == slug
