"""One assertion for the API's error contract: JSON {"errors": [{"field", "message"}]}."""

from __future__ import annotations

from typing import Any

from werkzeug.test import TestResponse

_UNSET: Any = object()


def error(
    resp: TestResponse, status: int, field: str | None = _UNSET, message: str | None = None
) -> list[dict[str, Any]]:
    """Assert `resp` is an error of `status` in the one shape; optionally that some error names
    `field` and (some) message contains `message`. Returns the error items."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    assert resp.mimetype == "application/json", resp.mimetype
    body = resp.get_json()
    assert isinstance(body, dict) and list(body) == ["errors"], body
    items = body["errors"]
    assert isinstance(items, list) and items, body
    for item in items:
        assert set(item) == {"field", "message"}, item
        assert item["field"] is None or isinstance(item["field"], str), item
        assert isinstance(item["message"], str) and item["message"], item
    if field is not _UNSET:
        assert field in [i["field"] for i in items], items
    if message is not None:
        assert any(message in i["message"] for i in items), items
    if status == 401:
        assert resp.headers.get("WWW-Authenticate", "").startswith("Bearer"), resp.headers
    return items
