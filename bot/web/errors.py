"""Library errors as HTTP answers: which status each kind gets, and a message without
the server's own folder paths."""

from __future__ import annotations

from collections.abc import Mapping

from bot.config import Settings
from bot.errors import (
    BotError,
    ConfigError,
    DocumentError,
    IndexBusyError,
    IndexMissingError,
    IndexStoreError,
    MetadataError,
    NotFoundError,
    QuestionError,
    StorageError,
)

#: HTTP status for each kind of error the library raises; the first match wins.
_STATUS: tuple[tuple[type[BotError], int], ...] = (
    (QuestionError, 422),
    (DocumentError, 422),
    (MetadataError, 422),
    (NotFoundError, 404),
    (IndexBusyError, 409),
    (IndexMissingError, 503),
    (IndexStoreError, 503),
    (StorageError, 507),
    (ConfigError, 500),
)


def status_of(exc: BotError) -> int:
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)


def public_message(message: str, settings: Settings, also: Mapping[str, str] = {}) -> str:
    """``message`` with the server's folders (the readings, the index, and ``also``:
    path → what to call it) named instead of shown, quoted or not."""
    folders = {
        str(settings.docs_dir.resolve()): "the readings folder",
        str(settings.docs_dir): "the readings folder",
        str(settings.index_dir.resolve()): "the index folder",
        str(settings.index_dir): "the index folder",
        **also,
    }
    detail = message
    for path, name in sorted(folders.items(), key=lambda item: -len(item[0])):
        detail = detail.replace(repr(path), name).replace(path, name)
    return detail
