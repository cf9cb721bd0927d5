"""vetting.db works without Flask: a unit of work is a scope bound to an engine."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from vetting import db


def test_a_scope_gives_one_session_and_closes_it(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        with db.scope(engine) as s:
            assert db.session() is s
            assert db.engine() is engine
            assert s.scalar(text("SELECT 1")) == 1
        with pytest.raises(RuntimeError, match="no database scope"):
            db.session()
    finally:
        engine.dispose()


def test_nested_scopes_restore_the_outer_session(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        with db.scope(engine) as outer:
            with db.scope(engine) as inner:
                assert inner is not outer
                assert db.session() is inner
            assert db.session() is outer
    finally:
        engine.dispose()


def test_an_app_context_is_a_scope_of_its_own(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        first = db.session()
        assert db.engine() is app.extensions["vetting.engine"]
        assert db.session() is first
    with app.app_context():
        assert db.session() is not first
