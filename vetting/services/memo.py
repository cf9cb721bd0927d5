"""Results of the core's pure date rules, remembered by the facts they were computed from.

A register of 12,000 agreements holds far fewer distinct sets of terms, and after an edit only
the edited agreement has new ones: keyed by (day, settings) and then by the terms themselves,
a page recomputes only what it has not seen. The rules are pure functions of those keys, so
a remembered result is never stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

MISSING: Any = object()


class ByTerms:
    """One table per (day, settings) key, the few most recent kept; each table is a plain dict
    from the terms to the result, emptied if it ever grows past `max_entries`."""

    def __init__(self, keep: int = 4, max_entries: int = 200_000) -> None:
        self._tables: OrderedDict[tuple[Any, ...], dict[Any, Any]] = OrderedDict()
        self._keep, self._max = keep, max_entries
        self._lock = threading.Lock()

    def table(self, *key: Any) -> dict[Any, Any]:
        with self._lock:
            found = self._tables.get(key)
            if found is None or len(found) > self._max:
                found = self._tables[key] = {}
            self._tables.move_to_end(key)
            while len(self._tables) > self._keep:
                self._tables.popitem(last=False)
            return found

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()
