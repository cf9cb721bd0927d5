"""The store-lookup settings: where the stores are, which country and language are asked,
and what a setting that cannot work says at start-up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vetting import settings
from vetting.services.store_lookup import options_from


def test_defaults_ask_the_real_stores_in_the_us() -> None:
    options = options_from(settings.defaults())
    assert options.apple_lookup_url == "https://itunes.apple.com/lookup"
    assert options.play_url == "https://play.google.com/store/apps"
    assert (options.country, options.language, options.allow_private) == ("us", "en", False)


def test_the_stores_and_country_are_read_from_the_environment(tmp_path: Path) -> None:
    loaded = settings.load(
        tmp_path,
        env={
            "VETTING_APPLE_LOOKUP_URL": "http://127.0.0.1:8080/lookup/",
            "VETTING_PLAY_STORE_URL": "http://127.0.0.1:8080/store/apps",
            "VETTING_STORE_COUNTRY": "GB",
            "VETTING_STORE_LANGUAGE": "en-GB",
            "VETTING_STORE_TIMEOUT": "5",
            "VETTING_ALLOW_PRIVATE_URLS": "on",
        },
    )
    options = options_from(loaded)
    assert options.apple_lookup_url == "http://127.0.0.1:8080/lookup"  # no trailing slash
    assert (options.country, options.language, options.timeout_seconds) == ("gb", "en-GB", 5)
    assert options.allow_private


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VETTING_APPLE_LOOKUP_URL": "ftp://x/lookup"}, "VETTING_APPLE_LOOKUP_URL must be an"),
        ({"VETTING_PLAY_STORE_URL": "https://h/apps?x=1"}, "without a query"),
        ({"VETTING_STORE_COUNTRY": "usa"}, "VETTING_STORE_COUNTRY must be a two-letter"),
        ({"VETTING_STORE_LANGUAGE": "english!"}, "VETTING_STORE_LANGUAGE must be a language"),
        ({"VETTING_STORE_MAX_BYTES": "10"}, "VETTING_STORE_MAX_BYTES must be ≥ 1024"),
    ],
)
def test_a_store_setting_that_cannot_work_is_refused(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(settings.SettingsError, match=re.escape(message)):
        settings.load(tmp_path, env=env)
