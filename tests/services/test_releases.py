"""The release service: automatic publishing, permissions, export settings, and no query per
app (the list and its exports run a fixed number of statements whatever the inventory size)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import event, text, update
from sqlmodel import col

from integrations.exporters.base import ExportOptions
from tests.benchmarks.synthetic import AS_OF, Sizes, populate
from vetting import auth, db, settings
from vetting.core.releases import release_content
from vetting.errors import Forbidden, Invalid
from vetting.models import App
from vetting.queries import allowlist
from vetting.queries import releases as reads
from vetting.services import releases


class Statements:
    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def hook(self, conn, cursor, statement, *args):
        self.seen.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.hook)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.hook)


@pytest.fixture
def inventory(app):
    """300 apps of 60 vendors with 72 BAAs, bulk-inserted."""
    with app.app_context():
        return populate(db.engine(), Sizes(apps=300, vendors=60, baas=72))


def test_list_publish_and_exports_run_a_fixed_number_of_statements(app, inventory):
    options = ExportOptions(ios_base_apps=("com.apple.Preferences",))
    with app.app_context():
        s = db.session()
        with Statements(db.engine()) as build:
            current, draft = reads.draft(s, AS_OF)
        # apps, decisions, their conditions, BAAs, and one UNION ALL of the BAAs' scopes,
        # absent provisions and confirmed exceptions: never one per app
        assert len(build.seen) == 5
        assert len(draft.sha256) == 64
        assert len(current.entries) + len(current.excluded) == inventory["apps"] == 300
        with Statements(db.engine()) as publish:
            result = releases.publish(s, auth.CLI_PRINCIPAL, AS_OF)
        # the list (five, as above), the previous release, the insert and its audit event;
        # PostgreSQL adds its advisory locks (the publish lock and the audit chain's)
        locks = sum("pg_advisory_xact_lock" in stmt for stmt in publish.seen)
        assert result.created and len(publish.seen) - locks <= 10, "\n".join(
            x[:90] for x in publish.seen
        )
        for fmt in ("json", "csv", "xlsx", "mobileconfig", "android-policy", "intune"):
            with Statements(db.engine()) as export:
                f = reads.export(s, "latest", fmt, options)
            assert f.body and len(export.seen) <= 2, (fmt, export.seen)


def test_a_release_is_stored_as_the_canonical_json_its_hash_was_taken_of(app, inventory):
    """The content is written once, for the hash, and stored as that text (not encoded a
    second time): the stored text itself hashes to the release's sha256, reads back as the
    content, and is what computing the list again gives — after a write made around the
    services too (publishing computes the list whole: no kept state can miss such a write)."""
    with app.app_context():
        s = db.session()
        first = releases.publish(s, auth.CLI_PRINCIPAL, AS_OF)
        listed = [e.app_id for e in first.listed.entries]
        s.execute(update(App).where(col(App.id) == listed[0]).values(revoked_on=AS_OF))
        s.commit()
        second = releases.publish(s, auth.CLI_PRINCIPAL, AS_OF, allow_shrink=True)
        assert second.created and len(second.diff.removed) == 1
        whole = allowlist.compute(s, AS_OF)
        content = release_content(whole.entries, whole.excluded)
        stored = s.scalar(
            text("SELECT CAST(content AS TEXT) FROM allowlist_release WHERE id = :id"),
            {"id": second.release.id},
        )
        assert hashlib.sha256(stored.encode()).hexdigest() == second.release.sha256
        assert json.loads(stored) == content
        s.expire_all()
        assert reads.get(s, second.release.id).content == content
        assert reads.get(s, second.release.id).content != reads.get(s, first.release.id).content


def test_publish_if_changed_publishes_as_the_system_only_when_the_list_changed(app, inventory):
    with app.app_context():
        s = db.session()
        first = releases.publish_if_changed(s, AS_OF)
        assert first.created and first.release.created_by == "system:auto-publish"
        assert first.release.note == "published automatically: the list changed"
        again = releases.publish_if_changed(s, AS_OF)
        assert not again.created and again.release.id == first.release.id


def test_publish_needs_the_allowlist_write_scope(app):
    viewer = auth.Principal("v@example.org", "viewer", auth.ROLE_SCOPES["viewer"], "user")
    with app.app_context(), pytest.raises(Forbidden, match="allowlist:write"):
        releases.publish(db.session(), viewer)


def test_unknown_mode_is_refused_naming_the_modes():
    with pytest.raises(Invalid, match="unknown mode 'sideways'; one of: allow, block"):
        reads.export_options({}, "sideways")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "default"),
        ("", ()),
        (
            "com.apple.mobilephone, com.apple.Preferences,,",
            ("com.apple.mobilephone", "com.apple.Preferences"),
        ),
    ],
)
def test_ios_base_apps_come_from_the_environment(tmp_path: Path, value, expected):
    env = {"SECRET_KEY": "x"} | ({} if value is None else {"VETTING_IOS_BASE_APPS": value})
    got = settings.load(tmp_path, env).ios_base_apps
    if expected == "default":
        assert "com.apple.Preferences" in got and "com.apple.MobileSMS" not in got
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"VETTING_IOS_BASE_APPS": "com.apple.ok, not a bundle"},
            "VETTING_IOS_BASE_APPS: 'not a bundle'",
        ),
        (
            {"VETTING_PROFILE_IDENTIFIER": "my profile"},
            "VETTING_PROFILE_IDENTIFIER must be reverse-DNS",
        ),
    ],
)
def test_bad_export_settings_name_the_variable(tmp_path: Path, env, message):
    with pytest.raises(settings.SettingsError, match=message):
        settings.load(tmp_path, {"SECRET_KEY": "x", **env})


def test_the_latest_releases_summary_is_read_from_an_index_alone(app, inventory):
    """Pages read the latest release without its content: on SQLite the columns stored after
    the content (megabytes of JSON) are reached only by walking its overflow pages, so the
    summary must come from the covering index (migration 0025), whatever columns it gains."""
    with app.app_context():
        s = db.session()
        releases.publish(s, auth.CLI_PRINCIPAL, AS_OF)
        if s.get_bind().dialect.name != "sqlite":
            pytest.skip("PostgreSQL keeps large values out of line (TOAST)")
        seen: list[tuple[str, object]] = []

        def hook(conn, cursor, statement, parameters, *args):
            seen.append((statement, parameters))

        s.expire_all()
        event.listen(db.engine(), "before_cursor_execute", hook)
        try:
            found = reads.latest(s, with_content=False, on=AS_OF)
        finally:
            event.remove(db.engine(), "before_cursor_execute", hook)
        assert found is not None and found.entry_count > 0 and found.created_by
        ((statement, parameters),) = seen
        plan = s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        details = " ".join(str(row[-1]) for row in plan)
        assert "COVERING INDEX ix_allowlist_release_summary" in details, details
