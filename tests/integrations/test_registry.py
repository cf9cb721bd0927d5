"""The plugin registry: a notifier and an exporter defined in this module, registered for one
test, are used end to end by the existing outbox and export paths with nothing else changed;
their registration ends with the test, and a slug already taken in a family is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import pytest

from integrations import registry
from integrations.exporters.base import Exporter, ExportError, ExportOptions, exporter
from integrations.exporters.csv_list import CsvExporter
from integrations.notifiers.base import Message, Notifier, notifier_kind
from tests import reminder_data as data
from tests.api.chain import approved_app, baa, vendor
from vetting.models import Notification
from vetting.services.outbox import deliver_due
from vetting.services.reminders import IN_APP, run_reminders

END = date(2027, 3, 1)  # the day the term lapses
LAST = END - timedelta(days=1)  # its last day in force (the stored expiration_date)
DAY = END - timedelta(days=30)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


class PagerNotifier(Notifier):
    """A channel nothing in the service knows: it keeps what it was asked to send."""

    slug = "test-pager"
    sent: ClassVar[list[Message]] = []

    def send(self, message: Message) -> None:
        PagerNotifier.sent.append(message)


class LinesExporter(Exporter):
    """A format nothing in the service knows: one store ID a line."""

    slug = "test-lines"
    media_type = "text/plain; charset=utf-8"
    extension = "txt"
    title = "Store IDs, one a line"

    def export(self, release: Any, options: ExportOptions) -> bytes:
        return "".join(f"{e.store_id}\n" for e in release.entries).encode()


@pytest.fixture
def plugins() -> Iterator[None]:
    PagerNotifier.sent.clear()
    with registry.registered(PagerNotifier, LinesExporter):
        yield
    assert notifier_kind("test-pager") is None
    assert "test-lines" not in registry.family("exporters")


def pager_row(s: Any) -> int:
    """An outbox row for the pager channel, next to the in-app one the sweep planned."""
    v = data.vendor(s)
    data.baa(s, v.id, expiration_date=LAST)
    run_reminders(s, DAY, settings=data.settings())
    (in_app,) = data.rows(s, channel=IN_APP)
    row = Notification(
        **{
            k: getattr(in_app, k)
            for k in ("subject_kind", "subject_id", "kind", "term_end", "threshold_days")
        },
        channel="test-pager",
        recipient="on-call",
        title=in_app.title,
        body=in_app.body,
        payload={},
    )
    s.add(row)
    s.commit()
    return row.id  # type: ignore[return-value]


def test_the_outbox_delivers_through_a_notifier_registered_for_its_channel(s, plugins):
    row_id = pager_row(s)
    summary = deliver_due(s, NOW, settings=data.settings())
    assert (summary.claimed, summary.sent, summary.failed) == (1, 1, 0)  # in-app rows start sent
    (message,) = PagerNotifier.sent
    assert (message.delivery_id, message.recipient) == (f"vetting-notification-{row_id}", "on-call")
    assert message.title == "BAA with Acme Health lapses in 30 days: in force through 2027-02-28"
    (row,) = data.rows(s, channel="test-pager")
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)


def test_without_its_notifier_a_channel_is_unknown_and_its_rows_cancelled(s):
    PagerNotifier.sent.clear()
    pager_row(s)
    assert deliver_due(s, NOW, settings=data.settings()).cancelled == 1
    (row,) = data.rows(s, channel="test-pager")
    assert (row.status, row.last_error) == ("cancelled", "cancelled: unknown channel 'test-pager'")
    assert PagerNotifier.sent == []


def test_a_release_is_exported_in_a_registered_format(client, admin, plugins):
    vid = vendor(client, admin, "Acme Health")
    baa(client, admin, vid, expiration_date="2026-11-30")
    approved_app(client, admin, vid, name="Acme Camera", store_id="com.acme.camera")
    approved_app(
        client, admin, vid, name="Acme Notes", platform="android", store_id="com.acme.notes"
    )
    published = client.post("/api/v1/allowlist/releases", json={}, headers=admin)
    rid = published.json["release"]["id"]
    r = client.get(f"/api/v1/allowlist/releases/{rid}/export?format=test-lines", headers=admin)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.content_type == "text/plain; charset=utf-8"
    assert r.headers["Content-Disposition"] == (
        f'attachment; filename="vetting-allowlist-{rid}.txt"'
    )
    assert r.data == b"com.acme.camera\ncom.acme.notes\n"


def test_an_unregistered_format_is_refused_naming_the_registered_ones():
    with pytest.raises(ExportError) as refused:
        exporter("test-lines")
    assert str(refused.value) == (
        "unknown format 'test-lines'; one of: android-policy, csv, intune, json, mobileconfig, xlsx"
    )


class SecondCsv(LinesExporter):
    slug = "csv"


def test_a_slug_taken_in_its_family_is_refused_and_nothing_stays_registered():
    with (
        pytest.raises(registry.PluginError) as refused,
        registry.registered(PagerNotifier, SecondCsv),
    ):
        pass
    assert str(refused.value) == (
        "exporters slug 'csv' is already registered by "
        "integrations.exporters.csv_list.CsvExporter; "
        "tests.integrations.test_registry.SecondCsv needs a slug of its own"
    )
    assert type(exporter("csv")) is CsvExporter
    assert notifier_kind("test-pager") is None  # registered before the refusal, then removed
    with pytest.raises(registry.PluginError, match="already registered"):
        registry.register(SecondCsv)


def test_a_slug_belongs_to_its_family():
    class CsvNotifier(PagerNotifier):
        slug = "csv"

    with registry.registered(CsvNotifier):
        assert notifier_kind("csv") is CsvNotifier
        assert type(exporter("csv")) is CsvExporter
    assert notifier_kind("csv") is None


def test_a_plugin_needs_a_family_and_a_slug():
    class Nameless(PagerNotifier):
        slug = ""

    class Orphan:
        slug = "orphan"

    with pytest.raises(registry.PluginError, match="has no slug"):
        registry.register(Nameless)
    with pytest.raises(registry.PluginError, match="names no family"):
        registry.register(Orphan)
