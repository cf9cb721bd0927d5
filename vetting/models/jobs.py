"""Runs of the scheduled jobs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, SQLModel

from vetting.core.statuses import JobStatus
from vetting.models.columns import UTCDateTime, json_field, ts


class JobRun(SQLModel, table=True):
    """One run of a scheduled job (reminder sweep, delivery, auto-publish), for the dashboard."""

    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=50, index=True)
    as_of: date | None = None
    started_at: datetime = ts()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default=JobStatus.RUNNING, max_length=20)
    detail: Any = json_field()
