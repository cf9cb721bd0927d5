"""`vetting reminders run`, `vetting notifications list|deliver`, `vetting channels …`."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests import reminder_data as data
from tests.cli.helpers import handled, invoke
from tests.configure import use_notify
from tests.notify_servers import http_receiver, smtp_server

END = date(2027, 3, 1)  # the day the term lapses
LAST = END - timedelta(days=1)  # its last day in force (the stored expiration_date)


@pytest.fixture
def baa_id(s):
    v = data.vendor(s)
    return data.baa(s, v.id, expiration_date=LAST, owner_email="owner@example.org").id


def use(app, **overrides):
    use_notify(app, **overrides)


def test_reminders_run_for_a_date_then_rerun_creates_nothing(app, runner, baa_id):
    r = invoke(runner, "reminders", "run", "--as-of", "2027-02-15")
    assert r.exit_code == 0, r.output
    assert "2027-02-15: 1 agreements/decisions looked at, 1 reminders due; created 1" in r.output
    again = invoke(runner, "reminders", "run", "--as-of", "2027-02-15", "--json")
    assert again.exit_code == 0, again.output
    summary = json.loads(again.output)
    assert (summary["created"], summary["existing"], summary["as_of"]) == (0, 1, "2027-02-15")


def test_reminders_dry_run_lists_what_it_would_create(app, runner, s, baa_id):
    r = invoke(runner, "reminders", "run", "--as-of", "2027-02-22", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "would create 1 notifications (1 in-app)" in r.output
    assert f"baa {baa_id}\tterm_end\t2027-02-28\t   7d\tin-app\tdashboard" in r.output
    assert data.rows(s) == []


@pytest.mark.parametrize("bad", ["2027-02-30", "tomorrow"])
def test_reminders_run_refuses_a_bad_date(runner, bad):
    r = invoke(runner, "reminders", "run", "--as-of", bad)
    assert r.exit_code == 2
    assert f"'{bad}' is not a date (YYYY-MM-DD)" in r.output


def test_notifications_list_json_has_every_field_of_each_row(app, runner, baa_id):
    use(app, smtp_host="127.0.0.1")
    invoke(runner, "reminders", "run", "--as-of", "2027-02-27")
    r = invoke(runner, "notifications", "list", "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [(x["channel"], x["recipient"], x["status"]) for x in rows] == [
        ("email", "owner@example.org", "pending"),
        ("in-app", "dashboard", "sent"),
    ]
    for key in (
        "id",
        "subject_kind",
        "subject_id",
        "term_end",
        "threshold_days",
        "channel",
        "recipient",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ):
        assert key in rows[0]
    assert (rows[0]["subject_kind"], rows[0]["subject_id"], rows[0]["term_end"]) == (
        "baa",
        baa_id,
        "2027-02-28",
    )
    assert rows[0]["threshold_days"] == 7
    pending = json.loads(
        invoke(runner, "notifications", "list", "--json", "--status", "pending").output
    )
    assert [x["channel"] for x in pending] == ["email"]
    text = invoke(runner, "notifications", "list").output
    assert "\temail\towner@example.org\tpending\tattempts=0\t" in text


def test_notifications_deliver_sends_the_pending_rows(app, runner, baa_id):
    with smtp_server() as (port, box):
        use(app, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        invoke(runner, "reminders", "run", "--as-of", "2027-02-27")
        r = invoke(runner, "notifications", "deliver")
    assert r.exit_code == 0, r.output
    assert "sent 1, retrying 0, failed 0, cancelled 0" in r.output
    assert len(box.messages) == 1


def test_channels_add_list_disable_and_deliver_to_a_webhook(app, runner, s, baa_id, monkeypatch):
    monkeypatch.setenv("SLACK_SECRET", "k")
    use(app, allow_private_urls=True)
    with http_receiver() as (url, rx):
        r = invoke(runner, "channels", "add-webhook", "slack", url, "--secret-env", "SLACK_SECRET")
        assert r.exit_code == 0, r.output
        assert f"added webhook channel 1 'slack' → {url} (secret from $SLACK_SECRET)" in r.output
        r = invoke(runner, "channels", "add-email", "legal", "Legal@Example.org")
        assert r.exit_code == 0, r.output
        listed = json.loads(invoke(runner, "channels", "list", "--json").output)
        assert [(c["kind"], c["name"], c["target"], c["secret_env"]) for c in listed] == [
            ("webhook", "slack", url, "SLACK_SECRET"),
            ("email", "legal", "legal@example.org", None),
        ]
        invoke(runner, "reminders", "run", "--as-of", "2027-02-27")
        assert "sent 1," in invoke(runner, "notifications", "deliver").output
        assert len(rx.requests) == 1
        assert invoke(runner, "channels", "disable", "slack").exit_code == 0
        assert "disabled" in invoke(runner, "channels", "list").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add-webhook", "x", "http://169.254.169.254/", "--secret-env", "S"],
            "url: host '169.254.169.254' resolves to 169.254.169.254, a link-local address",
        ),
        (
            ["add-webhook", "x", "https://93.184.215.14/h", "--secret-env", "hunter2!"],
            "secret_env: must name the environment variable",
        ),
        (["add-email", "x", "not-an-address"], "address: 'not-an-address' is not an email"),
        (["disable", "nope"], "no channel named 'nope'"),
    ],
)
def test_channel_commands_refuse_bad_input_with_the_reason(runner, s, args, message):
    r = invoke(runner, "channels", *args)
    assert r.exit_code == 1, r.output
    assert message in r.output
    handled(r)


def test_a_channel_name_is_unique(runner):
    assert invoke(runner, "channels", "add-email", "legal", "a@example.org").exit_code == 0
    r = invoke(runner, "channels", "add-email", "legal", "b@example.org")
    assert r.exit_code == 1
    assert "a channel named 'legal' already exists" in r.output
