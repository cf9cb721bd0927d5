"""Sends a sync's calls over the one guarded httpx client (integrations/http.py): timeouts,
the SSRF guard on every URL, bounded retries with exponential back-off on 429, 5xx and
connection errors (honouring Retry-After up to a cap), and an immediate failure on any other
4xx with the message the API gave. Every call is recorded with its secrets masked."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from integrations import http
from integrations.sync.base import Call, SyncError

MAX_RETRY_AFTER = 60.0


def error_message(response: httpx.Response) -> str:
    """The reason an API gave for refusing a request: Graph and Google put it in
    `error.message`, OAuth 2 in `error` + `error_description`."""
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            code = err.get("code") or err.get("status")
            message = str(err.get("message") or "").strip()
            return f"{code}: {message}" if code and message else message or str(code or data)
        if isinstance(err, str):
            detail = str(data.get("error_description") or "").strip()
            return f"{err}: {detail}" if detail else err
        if isinstance(data.get("message"), str):
            return data["message"]
    return str(data)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    return None


class HttpSender:
    """Makes the calls of one sync run through one client; `records` is what was sent."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        allow_private: bool = False,
        body_limit: int = 256 * 1024,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.allow_private = allow_private
        self.body_limit = body_limit
        self.sleep = sleep
        self.token: str | None = None
        self.records: list[dict[str, Any]] = []
        self._client: httpx.Client | None = None

    def __enter__(self) -> HttpSender:
        self._client = http.client(self.timeout, self.allow_private)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def send(self, call: Call) -> httpx.Response:
        """The response to `call` (2xx), after retries; SyncError naming the call otherwise."""
        assert self._client is not None, "use HttpSender as a context manager"
        record = {**call.describe(self.body_limit), "status": None, "attempts": 0, "error": None}
        self.records.append(record)
        what = f"{call.purpose}: {call.method} {call.url}"
        try:
            http.check_url(call.url, self.allow_private)
        except http.UnsafeURL as exc:
            record["error"] = f"refused URL: {exc}"
            raise SyncError(f"{what} refused: {exc}") from None
        headers = dict(call.headers)
        if call.bearer:
            if not self.token:
                record["error"] = "no access token"
                raise SyncError(f"{what} needs an access token and none was obtained")
            headers["Authorization"] = f"Bearer {self.token}"
        attempts = self.retries + 1
        problem = ""
        for attempt in range(1, attempts + 1):
            record["attempts"] = attempt
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                response = self._client.request(
                    call.method,
                    call.url,
                    json=call.json if call.form is None and call.content is None else None,
                    data=dict(call.form) if call.form is not None else None,
                    content=call.content,
                    headers=headers,
                )
            except httpx.TimeoutException:
                problem = f"timed out after {self.timeout:g} s"
            except httpx.HTTPError as exc:
                problem = f"could not connect: {exc}"
            else:
                record["status"] = response.status_code
                if response.is_success:
                    record["error"] = None
                    return response
                problem = f"HTTP {response.status_code}: {error_message(response)}"
                if response.status_code != 429 and response.status_code < 500:
                    record["error"] = problem
                    raise SyncError(f"{what} failed: {problem}")
                wait = max(wait, _retry_after(response) or 0.0)
            record["error"] = problem
            if attempt < attempts:
                self.sleep(wait)
        raise SyncError(f"{what} failed after {attempts} attempts: {problem}")
