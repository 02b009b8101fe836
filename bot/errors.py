"""Every error the library raises on purpose.

The library raises; only the edges (CLI, web) turn these into messages for people.
Each message names the offending file or value and says how to fix it.

    BotError
    ├── ConfigError            a setting has a bad value
    ├── DocumentError          a file cannot be used as a reading (carries .path)
    │   └── UnsupportedFileError   a file type we do not read
    ├── IndexStoreError        the index on disk cannot be used
    │   ├── IndexMissingError      there is no index yet
    │   ├── IndexMismatchError     built by another model or format version
    │   ├── IndexCorruptError      a file of the index is damaged
    │   ├── IndexBusyError         another process is updating it
    │   └── IndexReadOnlyError     the index folder cannot be written
    ├── StorageError           a file could not be written (a full disk); nothing changed
    ├── NotFoundError          a document id that is not in the collection
    ├── MetadataError          a corrected title, author or date that cannot be used
    └── QuestionError          an empty or oversized question
"""

from __future__ import annotations

from pathlib import Path


class BotError(Exception):
    """Root of the errors this package raises deliberately."""


class ConfigError(BotError):
    """A setting (option or environment variable) has an unusable value."""


class DocumentError(BotError):
    """A file cannot be read as a reading."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(message)
        self.path = str(path)


class UnsupportedFileError(DocumentError):
    """The file's type is not one we read."""


class IndexStoreError(BotError):
    """The index on disk cannot be used."""


class IndexMissingError(IndexStoreError):
    """No index has been built yet."""


class IndexMismatchError(IndexStoreError):
    """The index was built by another model or an incompatible format version."""


class IndexCorruptError(IndexStoreError):
    """A file of the index is missing, truncated or altered."""


class IndexBusyError(IndexStoreError):
    """Another process holds the index's write lock."""


class IndexReadOnlyError(IndexStoreError):
    """The index folder cannot be written: it can be read and served, not updated."""


class StorageError(BotError):
    """A reading or the index could not be written (a full disk, say); what was there
    before is kept as it was."""


class NotFoundError(BotError):
    """A document id that is not in the documents folder or the index."""


class MetadataError(BotError):
    """A correction to a reading's title, author or date is not valid."""


class QuestionError(BotError):
    """The question is empty or too long."""
