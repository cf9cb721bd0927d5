"""Settings come from the environment; the secret key is generated once, readable only by us."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from vetting import settings
from vetting.app import create_app
from vetting.core.checklist import ChecklistError
from vetting.current import settings_of


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    first = settings.load(tmp_path, env={}).secret_key
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert settings.load(tmp_path, env={}).secret_key == first


def test_secret_key_from_the_environment_is_not_written(tmp_path: Path) -> None:
    loaded = settings.load(tmp_path, env={"SECRET_KEY": "from-env"})
    assert loaded.secret_key == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path: Path) -> None:
    url = settings.load(tmp_path, env={"SECRET_KEY": "x"}).database_url
    assert url == f"sqlite:///{tmp_path / 'vetting.db'}"


@pytest.mark.parametrize(
    "given",
    ["postgres://u@db/vetting", "postgresql://u@db/vetting"],
)
def test_plain_postgres_urls_use_psycopg3(tmp_path: Path, given: str) -> None:
    env = {"SECRET_KEY": "x", "VETTING_AUDIT_KEY": "y", "DATABASE_URL": given}
    url = settings.load(tmp_path, env=env).database_url
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
    with pytest.raises(settings.SettingsError, match=re.escape(message)):
        settings.load(tmp_path, env={"SECRET_KEY": "x", **env})


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("yes", True), ("ON", True), ("1", True), ("no", False), ("off", False), ("", False)],
)
def test_every_boolean_setting_reads_the_same_words(
    tmp_path: Path, raw: str, expected: bool
) -> None:
    """One parser: VETTING_ALLOW_PRIVATE_URLS once disagreed with the others on `yes`."""
    env = {"SECRET_KEY": "x", "VETTING_ALLOW_PRIVATE_URLS": raw, "VETTING_AUTO_SYNC": raw}
    loaded = settings.load(tmp_path, env)
    assert (loaded.notify.allow_private_urls, loaded.auto_sync) == (expected, expected)


def test_a_boolean_that_is_neither_on_nor_off_is_refused(tmp_path: Path) -> None:
    with pytest.raises(settings.SettingsError, match="VETTING_WARM_CACHES must be on or off"):
        settings.load(tmp_path, {"SECRET_KEY": "x", "VETTING_WARM_CACHES": "sometimes"})


def test_an_unset_environment_gives_each_field_its_one_default(tmp_path: Path) -> None:
    loaded = settings.load(tmp_path, {"SECRET_KEY": "x"})
    assert loaded.baa_warning_days == 90
    assert loaded.notify.thresholds == (90, 60, 30, 14, 7, 1, 0)
    assert loaded.notify.sweep_at == (6, 0)
    assert loaded.checklists_dir == settings.REPO_ROOT / "checklists"
    assert settings.defaults().notify == loaded.notify


def test_secrets_do_not_show_in_the_settings_repr(tmp_path: Path) -> None:
    env = {"SECRET_KEY": "s3cret-key", "VETTING_SMTP_PASSWORD": "s3cret-pass"}
    text = repr(settings.load(tmp_path, env))
    assert "s3cret" not in text


def test_the_readme_settings_table_is_the_one_the_settings_make() -> None:
    """The README shows `python -m vetting.settings`: every variable, its default, its meaning."""
    readme = (settings.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- settings table: python -m vetting.settings -->")
    end = readme.index("<!-- end of settings table -->")
    table = readme[start:end].split("\n", 1)[1]
    assert table == settings.markdown_table()


def test_no_module_reads_the_environment_but_the_settings() -> None:
    """Settings are read once, in vetting/settings.py; secrets named per channel or sync target
    go through settings.secret_from_env."""
    offenders = []
    for root in ("vetting", "integrations"):
        for path in (settings.REPO_ROOT / root).rglob("*.py"):
            if path.name == "settings.py" and path.parent.name == "vetting":
                continue
            text = path.read_text(encoding="utf-8")
            if "os.environ" in text or "os.getenv" in text:
                offenders.append(str(path.relative_to(settings.REPO_ROOT)))
    assert offenders == []


def test_the_retry_cap_cannot_be_below_the_first_retry_delay(tmp_path: Path) -> None:
    env = {
        "SECRET_KEY": "x",
        "VETTING_NOTIFY_BACKOFF_SECONDS": "60",
        "VETTING_NOTIFY_BACKOFF_CAP_SECONDS": "10",
    }
    with pytest.raises(settings.SettingsError, match="VETTING_NOTIFY_BACKOFF_CAP_SECONDS must be"):
        settings.load(tmp_path, env)


def test_the_database_password_does_not_show_in_the_settings_repr(tmp_path: Path) -> None:
    env = {
        "SECRET_KEY": "x",
        "VETTING_AUDIT_KEY": "y",
        "DATABASE_URL": "postgresql://u:s3cret-db@h/db",
    }
    assert "s3cret-db" not in repr(settings.load(tmp_path, env))


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY and VETTING_AUDIT_KEY must be set"),
        ({"SECRET_KEY": "x"}, "VETTING_AUDIT_KEY must be set"),
        ({"VETTING_AUDIT_KEY": "y"}, "SECRET_KEY must be set"),
    ],
)
def test_a_shared_database_needs_both_keys_from_the_environment(
    tmp_path: Path, env: dict[str, str], missing: str
) -> None:
    """Generated keys differ per machine: on PostgreSQL (several instances) start-up refuses
    them, naming the setting, and generates nothing."""
    with pytest.raises(settings.SettingsError, match=missing):
        settings.load(tmp_path, {"DATABASE_URL": "postgresql://u@db/vetting", **env})
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "audit_key").exists()


def test_the_local_sqlite_file_may_generate_its_keys_once(tmp_path: Path) -> None:
    first = settings.load(tmp_path, {})
    again = settings.load(tmp_path, {})
    assert first.secret_key and first.audit_key and first.secret_key != first.audit_key
    assert (again.secret_key, again.audit_key) == (first.secret_key, first.audit_key)
    assert (tmp_path / "audit_key").stat().st_mode & 0o777 == 0o600


# --- the document store (VETTING_DOCUMENT_STORE) --------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VETTING_DOCUMENT_STORE": "ftp"}, "VETTING_DOCUMENT_STORE must be one of local, s3"),
        ({"VETTING_DOCUMENT_STORE": "s3"}, "VETTING_S3_BUCKET must be set when"),
        (
            {"VETTING_DOCUMENT_STORE": "s3", "VETTING_S3_BUCKET": "Patient_Docs"},
            "VETTING_S3_BUCKET must be an S3 bucket name",
        ),
        (
            {
                "VETTING_DOCUMENT_STORE": "s3",
                "VETTING_S3_BUCKET": "docs",
                "VETTING_S3_ENDPOINT_URL": "minio:9000",
            },
            "VETTING_S3_ENDPOINT_URL must be an http(s):// URL",
        ),
        (
            {
                "VETTING_DOCUMENT_STORE": "s3",
                "VETTING_S3_BUCKET": "docs",
                "VETTING_S3_PREFIX": "a/../b",
            },
            "VETTING_S3_PREFIX must be a key prefix",
        ),
        # S3 settings without the s3 store: documents would quietly stay on one machine.
        (
            {"VETTING_S3_BUCKET": "docs"},
            "VETTING_S3_BUCKET is set but VETTING_DOCUMENT_STORE is local",
        ),
        (
            {
                "VETTING_DOCUMENT_STORE": "local",
                "VETTING_S3_BUCKET": "docs",
                "VETTING_S3_REGION": "eu-west-1",
            },
            "VETTING_S3_BUCKET, VETTING_S3_REGION are set but VETTING_DOCUMENT_STORE is local",
        ),
    ],
)
def test_a_document_store_that_cannot_work_stops_the_start_naming_the_variable(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(settings.SettingsError, match=re.escape(message)):
        settings.load(tmp_path, env={"SECRET_KEY": "x", **env})
    with pytest.raises(settings.SettingsError, match=re.escape(message)):
        create_app({"INSTANCE_PATH": tmp_path, "ENV": {"SECRET_KEY": "x", **env}})


def test_the_document_store_is_local_by_default_and_s3_when_configured(tmp_path: Path) -> None:
    from integrations.storage.local import LocalStore
    from integrations.storage.s3 import S3Store
    from vetting.current import store_of

    local = store_of(create_app({"INSTANCE_PATH": tmp_path, "ENV": {"SECRET_KEY": "x"}}))
    assert isinstance(local, LocalStore) and local.folder == tmp_path / "documents"
    env = {
        "SECRET_KEY": "x",
        "VETTING_DOCUMENT_STORE": "S3",
        "VETTING_S3_BUCKET": "hospital-vetting",
        "VETTING_S3_PREFIX": "/prod/vetting",
        "VETTING_S3_ENDPOINT_URL": "https://minio.example.org:9000/",
        "VETTING_S3_REGION": "eu-central-1",
    }
    loaded = settings.load(tmp_path, env=env)
    assert (loaded.document_store, loaded.s3_prefix) == ("s3", "prod/vetting/")
    store = store_of(create_app({"INSTANCE_PATH": tmp_path, "ENV": env}))
    assert isinstance(store, S3Store)
    assert store.key("ab" * 32) == f"prod/vetting/documents/{'ab' * 32}"
    assert (
        store.where
        == "s3://hospital-vetting/prod/vetting/documents/ at https://minio.example.org:9000"
    )
    assert store.region == "eu-central-1"
    assert not (tmp_path / "documents").exists()  # nothing kept locally


def test_the_instance_folder_can_be_named_by_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VETTING_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app({"TESTING": True, "WARM_CACHES": False})
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert settings_of(app).database_url == f"sqlite:///{tmp_path / 'elsewhere' / 'vetting.db'}"
