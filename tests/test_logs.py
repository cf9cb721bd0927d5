"""A token passed in the URL (the calendar feed's `?token=`) never reaches the request log
(issue 12: refused tokens were logged in full)."""

from __future__ import annotations

import logging
import threading

import httpx
from werkzeug.serving import make_server

from vetting import logs


def test_the_development_servers_request_line_carries_no_token(app, make_token, caplog):
    secret = make_token("viewer", ["baas:read"])["Authorization"].split()[1]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.port}/api/v1/baas.ics?token={secret}"
            assert httpx.get(url).status_code == 200
            server.shutdown()
    finally:
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/api/v1/baas.ics?token=[redacted]" in line for line in lines), lines
    assert not any(secret in line for line in lines)


def test_gunicorn_style_access_records_are_redacted_too():
    """gunicorn logs `access_log_format % atoms` with a dict of atoms."""
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(r)s" %(s)s',
        ({"h": "10.0.0.1", "r": "GET /api/v1/baas.ics?token=vt_abc HTTP/1.1", "s": "200"},),
        None,
    )
    assert logs.RedactTokens().filter(record)
    assert record.getMessage() == '10.0.0.1 "GET /api/v1/baas.ics?token=[redacted] HTTP/1.1" 200'


def test_redaction_leaves_other_parameters_alone():
    assert logs.redact("/x?tokens=1&a_token=2&token=s3cret&b=3") == (
        "/x?tokens=1&a_token=2&token=[redacted]&b=3"
    )


def test_a_percent_encoded_name_or_a_bare_query_string_is_redacted_too():
    """Flask reads `%74oken` as `token`; gunicorn's %(q)s atom prints the query without `?`."""
    assert logs.redact("/api/v1/baas.ics?%74oken=s3cret") == "/api/v1/baas.ics?%74oken=[redacted]"
    assert logs.redact("/x?%74%6F%6b%65%6e=s3cret") == "/x?%74%6F%6b%65%6e=[redacted]"
    assert logs.redact("token=s3cret&as_of=2026-11-30") == "token=[redacted]&as_of=2026-11-30"
