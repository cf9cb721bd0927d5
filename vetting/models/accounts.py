"""Who may sign in or call the API: users, API tokens, web sessions, and sign-in attempts and
the throttle's counters (shared by every instance)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from vetting.models.columns import UTCDateTime, json_field, ts


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    password_hash: str = Field(max_length=500)
    role: str = Field(max_length=16)  # Role
    active: bool = True
    created_at: datetime = ts()


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)  # Role
    scopes: list[str] = json_field(list)
    created_by: str = Field(max_length=320)
    created_at: datetime = ts()
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A person's own calendar feed token: it works only while the account is active, and never
    # reads more than the account's role does today. None: a token an admin made for a system.
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_email_at", "email", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    ip: str = Field(max_length=64)
    success: bool = False
    at: datetime = ts()


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so
    a copy of this table signs no one in. Ended (sign-out, password/role change, disabling,
    an admin, a timeout) means refused from then on."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = ts()
    last_seen_at: datetime = ts()
    ip: str = Field(max_length=64)
    user_agent: str = Field(max_length=300)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=32)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins counted per (email, client address), and per address alone (email "")
    with a higher ceiling. An attempt is reserved here (failures + 1, under a row lock) before
    the password is checked; a success gives it back."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("email", "ip", name="uq_login_throttle_email_ip"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)  # "" for the per-address row
    ip: str = Field(max_length=64)
    failures: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
