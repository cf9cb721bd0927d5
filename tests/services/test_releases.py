"""The release service: automatic publishing, permissions, export settings, and no query per
app (the list and its exports run a fixed number of statements whatever the inventory size)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from integrations.exporters.base import ExportOptions
from tests.benchmarks.synthetic import AS_OF, Sizes, populate
from vetting import auth, clock, db, settings
from vetting.core.allowlist import diff_lists
from vetting.core.releases import Release, release_content
from vetting.errors import Forbidden, Invalid
from vetting.queries import allowlist
from vetting.queries import releases as reads
from vetting.schemas import AppUpdate
from vetting.services import apps, releases


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
            live, draft = reads.draft(s, AS_OF)
        current = live.current
        # the latest release (none yet), then apps, decisions, their conditions, BAAs, and one
        # UNION ALL of the BAAs' scopes, absent provisions and confirmed exceptions: never one
        # per app
        assert len(build.seen) == 6
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


def test_publishing_after_a_write_works_out_only_what_changed_and_equals_the_whole(
    app, inventory, monkeypatch
):
    """Publishing takes the live list (the last release plus the apps changed since): after
    a release and two writes (an app renamed and one revoked, a day later), the new release
    works out just those apps, not all 300 — and its content is byte for byte what
    computing every app gives, its diff what comparing the two whole lists gives."""
    with app.app_context():
        s = db.session()
        clock.freeze(AS_OF)
        try:
            first = releases.publish(s, auth.CLI_PRINCIPAL, AS_OF)
            listed = [e.app_id for e in first.listed.entries]
            clock.freeze(AS_OF + timedelta(days=1))
            apps.update(s, auth.CLI_PRINCIPAL, listed[0], AppUpdate(name="Zz renamed"))
            revoke = AppUpdate(revoked_on=AS_OF + timedelta(days=1), revoked_reason="recalled")
            apps.update(s, auth.CLI_PRINCIPAL, listed[1], revoke)
            worked_out: list[Any] = []
            real = allowlist.compute

            def compute(s: Any, as_of: Any, app_ids: Any = None) -> Any:
                worked_out.append(None if app_ids is None else set(app_ids))
                return real(s, as_of, app_ids)

            monkeypatch.setattr(allowlist, "compute", compute)
            second = releases.publish(s, auth.CLI_PRINCIPAL, AS_OF + timedelta(days=1))
            monkeypatch.undo()
            assert worked_out and None not in worked_out  # never the whole list
            assert max(len(apps_) for apps_ in worked_out) < 10
            whole = allowlist.compute(s, AS_OF + timedelta(days=1))
            content = release_content(whole.entries, whole.excluded)
            assert (
                second.release.sha256
                == Release.of_content(
                    content, id=0, as_of=whole.as_of, created_by="", created_at=clock.now()
                ).sha256
            )
            assert second.release.content == content
            # Stored as the canonical JSON written for the hash (not encoded a second time):
            # the stored text itself hashes to the release's sha256, and reads back the same.
            stored = s.scalar(
                text("SELECT CAST(content AS TEXT) FROM allowlist_release WHERE id = :id"),
                {"id": second.release.id},
            )
            assert hashlib.sha256(stored.encode()).hexdigest() == second.release.sha256
            s.expire_all()
            assert reads.get(s, second.release.id).content == content
            expected = diff_lists(first.listed, whole)
            assert second.diff == expected and len(second.diff.removed) == 1
            assert len(second.diff.changed) == 1
        finally:
            clock.freeze(None)


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
