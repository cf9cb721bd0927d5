"""Rows for reminder and outbox tests, written straight through the models (the register's
own use cases are tested elsewhere), plus the settings those tests sweep and deliver with."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session

from vetting import settings as settings_module
from vetting.models import (
    BAA,
    App,
    Assessment,
    ChecklistVersion,
    Decision,
    Notification,
    NotificationChannel,
    Vendor,
)


def settings(**overrides: Any) -> settings_module.NotifySettings:
    """Defaults from an empty environment, then what the test says."""
    return dataclasses.replace(settings_module.notify_settings({}), **overrides)


def session(app: Flask) -> Session:
    """A session of its own (a second instance, a second thread)."""
    return Session(app.extensions["vetting.engine"], expire_on_commit=False)


def vendor(s: Session, name: str = "Acme Health", contact: str | None = None) -> Vendor:
    v = Vendor(name=name, contact_email=contact)
    s.add(v)
    s.commit()
    return v


def baa(s: Session, vendor_id: int, **fields: Any) -> BAA:
    values = {"effective_date": date(2025, 1, 1), **fields}
    b = BAA(vendor_id=vendor_id, **values)
    s.add(b)
    s.commit()
    return b


def decision(
    s: Session,
    vendor_id: int,
    valid_until: date,
    *,
    app_id: int | None = None,
    verdict: str = "approved",
    decided_at: datetime = datetime(2026, 1, 10, 9, tzinfo=UTC),
    decided_by: str = "reviewer@example.org",
) -> Decision:
    if s.get(ChecklistVersion, "a" * 64) is None:
        s.add(ChecklistVersion(sha256="a" * 64, checklist_id="t", version="1", content=""))
    if app_id is None:
        app = App(vendor_id=vendor_id, name="Acme Camera", platform="ios")
        s.add(app)
        s.flush()
        app_id = app.id
    a = Assessment(
        app_id=app_id,
        checklist_id="t",
        checklist_version="1",
        checklist_sha256="a" * 64,
        status="decided",
        created_by="t",
    )
    s.add(a)
    s.flush()
    d = Decision(
        assessment_id=a.id,
        app_id=app_id,
        decision=verdict,
        verdict=verdict,
        score=90,
        decided_by=decided_by,
        decided_at=decided_at,
        valid_until=valid_until,
    )
    s.add(d)
    s.commit()
    return d


def webhook_channel(s: Session, url: str, name: str = "slack", env: str = "HOOK_SECRET") -> int:
    c = NotificationChannel(kind="webhook", name=name, target=url, secret_env=env)
    s.add(c)
    s.commit()
    return c.id


def email_channel(s: Session, address: str, name: str = "legal") -> int:
    c = NotificationChannel(kind="email", name=name, target=address)
    s.add(c)
    s.commit()
    return c.id


def rows(s: Session, **where: Any) -> list[Notification]:
    s.expire_all()
    stmt = select(Notification).order_by(Notification.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(Notification, k) == v)
    return list(s.scalars(stmt))


def keys(s: Session, **where: Any) -> list[tuple[Any, ...]]:
    return [
        (n.subject_id, n.kind, n.term_end, n.threshold_days, n.channel, n.recipient)
        for n in rows(s, **where)
    ]
