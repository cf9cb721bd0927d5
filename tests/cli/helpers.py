"""Running `vetting …` commands in tests, and what a user's mistake must look like."""

from __future__ import annotations

from typing import Any

from vetting.cli import cli


def invoke(runner: Any, *args: str, **kw: Any) -> Any:
    return runner.invoke(cli, list(args), **kw)


def ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    return str(result.output)


def handled(result: Any) -> None:
    """The command ended through its own error handling. Under CliRunner an uncaught
    exception also exits 1 and prints no traceback, so only this tells them apart."""
    assert isinstance(result.exception, SystemExit), repr(result.exception)


def clean_error(result: Any, *words: str) -> str:
    """A user's mistake: a handled message naming the words, exit status 1 (refused input)
    or 2 (click's usage errors: an option that does not parse)."""
    assert result.exit_code in (1, 2), result.output
    handled(result)
    for word in words:
        assert word in result.output, result.output
    return str(result.output)
