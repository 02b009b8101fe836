"""Settings from the environment: the web settings and their validation."""

from __future__ import annotations

import pytest

from bot.config import ENV_NAMES, Settings, load_settings
from bot.errors import ConfigError


def test_every_setting_has_an_environment_variable() -> None:
    from dataclasses import fields

    assert {f.name for f in fields(Settings)} == set(ENV_NAMES)


def test_web_settings_from_the_environment() -> None:
    settings = load_settings(
        {
            "BOT_ADMIN_TOKEN": "s" * 20,
            "BOT_EMBED_ORIGINS": "https://Moodle.Example.ac.uk/, http://127.0.0.1:8000 *",
            "BOT_HOST": "0.0.0.0",
            "BOT_PORT": "8080",
        }
    )
    assert settings.admin_token == "s" * 20
    assert settings.embed_origins == ("https://moodle.example.ac.uk", "http://127.0.0.1:8000", "*")
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)
    assert "s" * 20 not in repr(settings)  # the token stays out of logs


def test_web_defaults() -> None:
    settings = load_settings({})
    assert settings.admin_token == "" and settings.embed_origins == ()
    assert (settings.host, settings.port) == ("127.0.0.1", 7860)
    assert settings.insights_days == 90
    assert load_settings({"BOT_INSIGHTS_DAYS": "0"}).insights_days == 0  # the off switch


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BOT_EMBED_ORIGINS": "https://a.org/course"}, "'https://a.org/course' is not an origin"),
        ({"BOT_EMBED_ORIGINS": "moodle.example.ac.uk"}, "write scheme://host[:port]"),
        ({"BOT_EMBED_ORIGINS": "ftp://a.org"}, "is not an origin"),
        ({"BOT_ADMIN_TOKEN": "short"}, "at least 16"),
        ({"BOT_PORT": "70000"}, "between 1 and 65535"),
        ({"BOT_PORT": "http"}, "BOT_PORT='http' is not a valid int"),
        ({"BOT_INSIGHTS_DAYS": "-1"}, "insights_days must be 0 (record nothing) or more"),
        ({"BOT_ENCODER_PASSES": "tokens"}, "encoder_passes must be one of chunks+sentences, "),
    ],
)
def test_bad_web_settings_say_what_to_do(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    assert message in str(caught.value)
    assert "'short'" not in str(caught.value)  # a token is never echoed


def test_serve_refuses_a_bad_port_before_starting(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    assert main(["serve", "--docs", str(tmp_path), "--port", "70000"]) == 1
    assert "port must be between 1 and 65535, got 70000" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("raw", "follow"), [("1", True), ("Yes", True), ("on", True), ("0", False), ("off", False)]
)
def test_follow_from_the_environment(raw: str, follow: bool) -> None:
    assert load_settings({"BOT_FOLLOW": raw}).follow is follow


def test_a_follow_value_that_is_not_yes_or_no_says_so() -> None:
    with pytest.raises(ConfigError, match=r"BOT_FOLLOW='maybe' is not yes or no; use 1 or 0"):
        load_settings({"BOT_FOLLOW": "maybe"})
