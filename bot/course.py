"""A course as configuration: ``course.toml`` beside the course's ``documents/``.

A course folder holds everything one course needs::

    <course>/
      course.toml      name, description, welcome line, example questions, subject, language
      documents/       the readings
      index/           the index built from them (made by ``bot index``)

``load_course`` reads and checks ``course.toml`` (a missing file gives a plain default
course); ``init_course`` writes a new course folder with a commented ``course.toml``.
Nothing about any particular course lives in code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import parse_origins, valid_origin
from bot.errors import ConfigError

COURSE_FILE = "course.toml"
#: A course's address in ``/courses/<slug>/``: its folder name, when it is one of these.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class Course:
    """What a course tells its students and instructors; every page is built from it."""

    name: str = "Course"
    """Short name, used in titles: "<name> reading bot", "Ask the <name> readings"."""
    description: str = ""
    """One or two sentences on what the course is about (the list of courses shows it)."""
    welcome: str = "Ask a question about the readings."
    """What the empty chat says to a student."""
    examples: tuple[str, ...] = ()
    """Example questions offered in the chat and the widget."""
    subject: str = ""
    """What the readings are about ("the UK “Big Society” debate"): the chat's
    introduction and every refusal name it."""
    language: str = "en"
    """The readings' language (ISO 639-1): pages declare it, and a question in another
    language is answered with a request to ask in this one."""
    embed_origins: tuple[str, ...] = ()
    """Sites that may embed this course's widget and call its API (besides
    ``BOT_EMBED_ORIGINS``)."""
    admin_token_sha256: str = field(default="", repr=False)
    """SHA-256 (hex) of this course's own admin token (``bot init`` makes one)."""

    @property
    def title(self) -> str:
        return f"{self.name} reading bot"

    @property
    def ask_title(self) -> str:
        return f"Ask the {self.name} readings"

    def accepts_admin_token(self, token: str) -> bool:
        """Whether ``token`` is this course's own admin token (constant-time)."""
        if not self.admin_token_sha256 or not token:
            return False
        given = hashlib.sha256(token.encode()).hexdigest()
        return hmac.compare_digest(given, self.admin_token_sha256)


_FIELDS: dict[str, type] = {
    "name": str,
    "description": str,
    "welcome": str,
    "examples": list,
    "subject": str,
    "language": str,
    "embed_origins": list,
    "admin_token_sha256": str,
}


def load_course(path: Path) -> Course:
    """The course described by ``path`` (a ``course.toml``); the default course if the
    file does not exist. Raises ``ConfigError`` naming the file and the field."""
    if not path.exists():
        return Course()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {str(path)!r} ({exc}); check the file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{str(path)!r} is not valid TOML ({exc}); fix it") from None
    return _course_from(path, data)


def _course_from(path: Path, data: dict[str, Any]) -> Course:
    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"{str(path)!r}: {key} {why}; fix it or remove the line")

    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        known = ", ".join(_FIELDS)
        raise bad(unknown[0], f"is not a course setting (the settings are: {known})")
    values: dict[str, Any] = {}
    for key, kind in _FIELDS.items():
        if key not in data:
            continue
        value = data[key]
        if kind is list:
            if not isinstance(value, list) or not all(
                isinstance(item, str) and item.strip() for item in value
            ):
                raise bad(key, f"must be a list of non-empty strings, not {value!r}")
            values[key] = tuple(item.strip() for item in value)
        elif isinstance(value, str):
            values[key] = value.strip()
        else:
            raise bad(key, f"must be a string, not {value!r}")
    if "name" in values and not values["name"]:
        raise bad("name", "must not be empty")
    if not re.fullmatch(r"[a-z]{2}", values.get("language", "en")):
        raise bad("language", f"must be a two-letter code such as 'en', not {data['language']!r}")
    origins = parse_origins(" ".join(values.get("embed_origins", ())))
    for origin in origins:
        if not valid_origin(origin):
            raise bad("embed_origins", f"holds {origin!r}, which is not scheme://host[:port]")
    values["embed_origins"] = origins
    digest = values.get("admin_token_sha256", "")
    if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise bad("admin_token_sha256", "must be 64 hexadecimal digits (run 'bot init' again)")
    return Course(**values)


def course_file(docs_dir: Path) -> Path:
    """Where a course's ``course.toml`` is: beside its documents folder."""
    return docs_dir.parent / COURSE_FILE


def course_slug(folder: Path) -> str | None:
    """The slug a course folder is served under, or None if its name cannot be one."""
    return folder.name if SLUG.fullmatch(folder.name) else None


_TEMPLATE = """\
# The course this reading bot answers about. Every page is built from this file;
# edit it and restart the app.

# Short name, used in titles: "<name> reading bot", "Ask the <name> readings".
name = {name}

# One or two sentences on what the course is about (shown in the list of courses).
description = ""

# What the empty chat says to a student.
welcome = "Ask a question about the readings, or pick an example below."

# What the readings are about: the chat's introduction and every refusal name it,
# e.g. "the UK “Big Society” debate".
subject = ""

# The readings' language (a two-letter code): a question in another language is
# answered with a request to ask in this one.
language = "en"

# Example questions offered in the chat and the widget.
examples = [
    # "Why did co-production fail in Aspley?",
]

# Course sites that may embed this course's chat widget, as scheme://host[:port].
embed_origins = [
    # "https://moodle.example.ac.uk",
]

# SHA-256 of this course's admin token (the token itself was shown once by `bot init`).
# For a new token T: python -c 'import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode())
# .hexdigest())' T   (on one line)
admin_token_sha256 = "{digest}"
"""


@dataclass(frozen=True)
class NewCourse:
    """What ``init_course`` made: the folder, and the admin token (shown once)."""

    folder: Path
    admin_token: str


def init_course(folder: Path, name: str | None = None) -> NewCourse:
    """A new course folder: ``course.toml`` (commented) and an empty ``documents/``.

    Refuses a folder that already holds a ``course.toml``.
    """
    config = folder / COURSE_FILE
    if config.exists():
        raise ConfigError(f"{str(config)!r} already exists; edit it, or pick a new folder")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{str(folder)!r} is a file, not a folder; pick a folder name")
    token = secrets.token_urlsafe(24)  # 32 characters
    title = name or folder.resolve().name.replace("-", " ").replace("_", " ").title() or "Course"
    text = _TEMPLATE.format(
        name=_toml_string(title), digest=hashlib.sha256(token.encode()).hexdigest()
    )
    try:
        (folder / "documents").mkdir(parents=True, exist_ok=True)
        config.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot create {str(folder)!r} ({exc.strerror}); check it") from None
    load_course(config)  # what we wrote reads back
    return NewCourse(folder, token)


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
