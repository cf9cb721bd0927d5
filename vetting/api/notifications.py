"""The reminder outbox, for the dashboard and for legal's own tools."""

from __future__ import annotations

from vetting import db
from vetting.api import bp
from vetting.api.spec import page_of, route
from vetting.schemas import NotificationOut, NotificationQuery, Page
from vetting.services import notifications as svc


@route(
    bp,
    "/notifications",
    "GET",
    summary="Reminders in the outbox, newest first, with their delivery status",
    tag="notifications",
    scope="baas:read",
    query=NotificationQuery,
    response=Page[NotificationOut],
)
def list_notifications(query: NotificationQuery) -> Page[NotificationOut]:
    result = svc.list_(
        db.session(),
        status=query.status,
        channel=query.channel,
        subject_kind=query.subject_kind,
        subject_id=query.subject_id,
        page=query.page,
        per_page=query.per_page,
    )
    return page_of(NotificationOut, result)  # type: ignore[return-value]
