"""The one cache: everything computed from a load, keyed by that load.

Every key starts with the snapshot's load version (file, loaded_at, sync_id), so a sync
needs no invalidation: the next question carries a new version and misses, and what was
computed from the previous load ages out of the LRU. Three kinds of entry share it, from
the widest to the narrowest:

- ``base``: a family's rows before as_of is known (once per load and settings),
- ``mart``: the base cut at as_of (once per as_of),
- ``result``: what a page or the report asks for (once per as_of, period, filters, args).

`per_load` marks a public metrics function as a result; pages and the report call the
function itself, by name, and get the cached answer. Writes that bypass the sync keep
the load's version and call `clear()`.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

import lang
from data.store import snapshot

__all__ = ["MAX_BYTES", "MAX_ENTRIES", "clear", "memo", "per_load"]

MAX_ENTRIES = 512
MAX_BYTES = 1 << 30  # the oldest entries go first beyond 1 GiB (a 1M-message episodes mart is ~100 MB)

_ENTRIES: OrderedDict[tuple, Any] = OrderedDict()
_SIZES: dict[tuple, int] = {}
_BUILDING: dict[tuple, threading.Lock] = {}
_LOCK = threading.Lock()

F = TypeVar("F", bound=Callable[..., Any])


def memo(key: tuple, build: Callable[[], Any]) -> Any:
    """The entry under key, built once even when several sessions ask at the same time."""
    hit = _get(key)
    if hit is not None:
        return hit
    with _LOCK:
        building = _BUILDING.setdefault(key, threading.Lock())
    try:
        with building:  # sessions asking for the same cold entry wait for one build
            hit = _get(key)
            if hit is None:
                hit = build()
                _put(key, hit)
    finally:
        with _LOCK:
            _BUILDING.pop(key, None)
    return hit


def per_load(fn: F) -> F:
    """Cache fn(con, ctx, ...) per (load, settings, as_of, period, filters, arguments, language).

    The language is in the key because some answers carry words (a health reason, a list's
    label): a Russian run must never be served the English ones.

    The key's load is read from the same snapshot the function then reads, so an answer is
    never filed under another load. Callers get a shallow copy (pandas copies on write), so
    a page that adds a column never changes what the next page is served.
    """
    @functools.wraps(fn)
    def cached(con: Any, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        with snapshot(con) as snap:
            key = ("result", fn.__module__, fn.__qualname__, snap.version, repr(ctx.settings), ctx.as_of.value,
                   ctx.period_days, ctx.filters, args, tuple(sorted(kwargs.items())), lang.current())
            return _fresh(memo(key, lambda: fn(snap, ctx, *args, **kwargs)))

    cached.uncached = fn  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


def clear() -> None:
    """Forget everything: for writes that bypass the sync (they keep the load's version)."""
    with _LOCK:
        _ENTRIES.clear()
        _SIZES.clear()


def _fresh(value: Any) -> Any:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_fresh(v) for v in value)
    return value


def _bytes(value: Any) -> int:
    if isinstance(value, pd.DataFrame):
        return sum(int(value[c].array.nbytes) for c in value.columns)
    if isinstance(value, pd.Series):
        return int(value.array.nbytes)
    if isinstance(value, dict):
        return 64 + sum(_bytes(v) for v in value.values())
    if isinstance(value, tuple | list):
        return 64 + sum(_bytes(v) for v in value)
    return 64


def _get(key: tuple) -> Any:
    with _LOCK:
        hit = _ENTRIES.get(key)
        if hit is not None:
            _ENTRIES.move_to_end(key)
        return hit


def _put(key: tuple, value: Any) -> None:
    size = _bytes(value)
    with _LOCK:
        _ENTRIES[key] = value
        _SIZES[key] = size
        while len(_ENTRIES) > 1 and (len(_ENTRIES) > MAX_ENTRIES or sum(_SIZES.values()) > MAX_BYTES):
            old, _ = _ENTRIES.popitem(last=False)
            _SIZES.pop(old, None)
