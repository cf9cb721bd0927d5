"""Settings come from the environment; the secret key is generated once, readable only by us."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from vetting import config
from vetting.app import create_app
from vetting.core.checklist import ChecklistError


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    first = config.load(tmp_path, env={})["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert config.load(tmp_path, env={})["SECRET_KEY"] == first


def test_secret_key_from_the_environment_is_not_written(tmp_path: Path) -> None:
    settings = config.load(tmp_path, env={"SECRET_KEY": "from-env"})
    assert settings["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path: Path) -> None:
    url = config.load(tmp_path, env={"SECRET_KEY": "x"})["DATABASE_URL"]
    assert url == f"sqlite:///{tmp_path / 'vetting.db'}"


@pytest.mark.parametrize(
    "given",
    ["postgres://u@db/vetting", "postgresql://u@db/vetting"],
)
def test_plain_postgres_urls_use_psycopg3(tmp_path: Path, given: str) -> None:
    url = config.load(tmp_path, env={"SECRET_KEY": "x", "DATABASE_URL": given})["DATABASE_URL"]
    assert url == "postgresql+psycopg://u@db/vetting"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a sqlite:// or postgresql:// URL"),
        ({"VETTING_BAA_WARNING_DAYS": "soon"}, "VETTING_BAA_WARNING_DAYS must be a whole number"),
        ({"VETTING_DECISION_VALID_MONTHS": "0"}, "VETTING_DECISION_VALID_MONTHS must be ≥ 1"),
    ],
)
def test_bad_settings_are_refused_naming_the_variable(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(config.ConfigError, match=re.escape(message)):
        config.load(tmp_path, env={"SECRET_KEY": "x", **env})


def test_app_refuses_to_start_with_a_bad_checklist(tmp_path: Path) -> None:
    folder = tmp_path / "checklists"
    folder.mkdir()
    (folder / "broken.toml").write_text('id = "broken"\nversion = "1"\n', encoding="utf-8")
    with pytest.raises(ChecklistError, match=r"broken\.toml"):
        create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'v.db'}",
                "SECRET_KEY": "x",
                "INSTANCE_PATH": tmp_path / "instance",
                "CHECKLISTS_DIR": folder,
            }
        )
