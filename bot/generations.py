"""The index folder on disk: generations, the ``CURRENT`` pointer, checksums, the write lock.

A store is saved as a new generation folder beside the live one; only when every
file is written and synced does ``CURRENT`` switch to it (an atomic rename). The
generation it replaced is kept until the next swap, so a process that read
``CURRENT`` just before the swap can still load what it named (replicas follow the
index so: ``Bot.refresh``); older ones are deleted. A crash at any point leaves the
previous index loadable. Each generation's ``manifest.json`` records the format
version and a SHA-256 of every other file, checked on load; ``read_manifest`` checks
its shape, so a hand-edited manifest is reported as damage, not met as a ``KeyError``.

One writer at a time: ``write_lock`` is an ``flock`` on ``.lock``. It excludes other
processes on the same machine; on a network file system it is only as good as the
mount's locking (see docs/scaling.md), which is why replicas on several machines
leave writing to one of them and follow (``bot serve --follow``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from bot.errors import (
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    IndexReadOnlyError,
)

FORMAT = "big-society-bot-index"
FORMAT_VERSION = 3  # 3: reflowed document text, a sentence never crosses a line

#: How ``read_manifest`` names the JSON types it checks for.
_TYPE_NAMES = {str: "a string", int: "a non-negative whole number", dict: "an object"}


@contextlib.contextmanager
def new_generation(index_dir: Path) -> Iterator[Path]:
    """A fresh folder to write a generation into; it goes live when the block ends without error.

    The block must write its data files and then ``write_manifest``.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    gen = index_dir / f"gen-{stamp}-{secrets.token_hex(3)}"
    tmp = index_dir / f".tmp-{gen.name}"
    tmp.mkdir()
    try:
        yield tmp
        tmp.rename(gen)
        _fsync_dir(index_dir)
        previous = live_name(index_dir)
        _write_atomic(index_dir / "CURRENT", gen.name + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_stale_generations(index_dir, keep={gen.name, previous or gen.name})


def write_manifest(folder: Path, fields: dict[str, Any]) -> Path:
    """Checksum and sync every file in ``folder``, then write its manifest."""
    checksums = {name: _sha256(folder / name) for name in _data_files(folder)}
    for name in checksums:
        _fsync_file(folder / name)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **fields,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sha256": checksums,
    }
    path = folder / "manifest.json"
    _write_atomic(path, json.dumps(manifest, indent=2) + "\n")
    return path


def verify_checksums(folder: Path, manifest: dict[str, Any], required: tuple[str, ...]) -> None:
    """Raise ``IndexCorruptError`` naming the first file that is missing or altered.

    ``manifest`` comes from ``read_manifest``, which has checked its ``sha256`` table.
    """
    checksums = manifest["sha256"]
    for name in sorted(set(required) | set(checksums)):
        if _sha256(folder / name) != checksums.get(name):
            raise IndexCorruptError(
                f"index file {str(folder / name)!r} does not match its checksum "
                "(damaged or edited); run 'bot index --rebuild'"
            )


def live_name(index_dir: Path) -> str | None:
    """What ``CURRENT`` names (unchecked), or None if there is no ``CURRENT``: one small read."""
    try:
        return (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def current_generation(index_dir: Path) -> Path:
    """The live generation folder named by ``CURRENT``."""
    name = live_name(index_dir)
    if name is None:
        raise IndexMissingError(f"no index in {str(index_dir)!r}; run 'bot index' first")
    pointer = index_dir / "CURRENT"
    folder = index_dir / name
    if not name.startswith("gen-") or not folder.is_dir():
        raise IndexCorruptError(
            f"{str(pointer)!r} names {name!r}, which is not an index generation; "
            "run 'bot index --rebuild'"
        )
    return folder


def read_manifest(folder: Path, fields: Mapping[str, type]) -> dict[str, Any]:
    """A generation's manifest, checked for format, version and shape.

    ``fields`` names the fields the caller reads and their types (``str`` or ``int``);
    each must be present with that type, an ``int`` never below 0 (they are counts and
    sizes). The ``sha256`` table must map file names inside the generation to strings.
    """
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(
            f"index file {str(path)!r} cannot be read ({exc}); run 'bot index --rebuild'"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(
            f"{str(path)!r} is not a manifest of this bot's index; run 'bot index --rebuild'"
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index in {str(folder.parent)!r} has format version "
            f"{manifest.get('format_version')!r}, this bot reads version {FORMAT_VERSION}; "
            "run 'bot index --rebuild'"
        )
    _check_shape(path, manifest, {**fields, "sha256": dict})
    return manifest


def _check_shape(path: Path, manifest: dict[str, Any], fields: Mapping[str, type]) -> None:
    def damaged(problem: str) -> IndexCorruptError:
        return IndexCorruptError(
            f"index file {str(path)!r} is damaged ({problem}); run 'bot index --rebuild'"
        )

    for key, kind in fields.items():
        if key not in manifest:
            raise damaged(f"{key!r} is missing")
        value = manifest[key]
        negative = isinstance(value, int) and value < 0
        # ``type(...) is`` rather than ``isinstance``: JSON's true is a bool, and bool is an int.
        if type(value) is not kind or negative:
            raise damaged(f"{key!r} is {value!r}, not {_TYPE_NAMES[kind]}")
    for name, digest in manifest["sha256"].items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise damaged(f"'sha256' names {name!r}, which is not a file of the generation")
        if type(digest) is not str:
            raise damaged(f"'sha256' gives {name!r} the checksum {digest!r}, not a string")


@contextlib.contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's write lock; another writer gets ``IndexBusyError`` at once, and
    a folder that cannot be written ``IndexReadOnlyError``."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "a+")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise IndexReadOnlyError(
            f"cannot write to the index folder {str(index_dir)!r} ({exc.strerror}); "
            "make it writable, or pass --index-dir (BOT_INDEX_DIR) for a writable folder"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(
                f"another process is updating the index in {str(index_dir)!r}; "
                "wait for it to finish and try again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _data_files(folder: Path) -> list[str]:
    """Every file of a generation but its manifest, as relative paths."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise IndexCorruptError(
            f"index file {str(path)!r} is missing; run 'bot index --rebuild'"
        ) from None
    except OSError as exc:  # a folder where a file should be, say
        raise IndexCorruptError(
            f"index file {str(path)!r} cannot be read ({exc.strerror}); run 'bot index --rebuild'"
        ) from None
    return digest.hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_generations(index_dir: Path, keep: set[str]) -> None:
    """Delete every generation (and abandoned temporary folder) but those in ``keep``."""
    for path in index_dir.iterdir():
        if path.is_dir() and path.name not in keep and path.name.startswith(("gen-", ".tmp-gen-")):
            shutil.rmtree(path, ignore_errors=True)
