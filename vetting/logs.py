"""Secrets kept out of the server's logs: a token passed as `?token=` (the calendar feed) is
written as `token=[redacted]` in the request lines the development server (werkzeug) and
gunicorn's access log print."""

from __future__ import annotations

import logging
import re

# A `token` parameter however it is spelt: after ?, & or ; — or first, as gunicorn's %(q)s
# atom prints the query string — and with any of its letters percent-encoded (%74oken).
_NAME = "".join(f"(?:{ch}|%{ord(ch):02x})" for ch in "token")
_TOKEN = re.compile(rf"((?:^|[?&;\s\"]){_NAME}=)[^&\s\"']+", re.IGNORECASE)
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    """`text` with every `token=` query value replaced."""
    return _TOKEN.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    """Rewrites a record's message with the token values removed (its arguments merged in
    first, since the request line usually arrives as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # not ours to repair; logging reports the bad format itself
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install() -> None:
    """Attach the filter to the request loggers, once per process."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
