"""A process-wide cache bounded by bytes, for results whose size grows with N.

``st.cache_data`` bounds a cache by its number of entries and hands every
caller a fresh unpickled copy. That suits small results (statistics, grids,
histories), but not a generated data set: at N = 10⁶ a data set holds 23 MiB
and each of its features 16 MiB, so 32 entries could hold over a gigabyte,
and every caller pays for a copy. :class:`ByteBoundedCache` instead keeps at most ``max_bytes`` of
results, evicts the least recently used ones, and shares one read-only copy
between callers. Regenerating an evicted data set costs tens of
milliseconds; keeping many of them costs the whole server.

:func:`heavy_work` limits how many threads do O(N) work at the same time. A
class of thirty learners all opening an N = 10⁶ page would otherwise hold
thirty sets of N-sized temporaries at once; with the limit, the peak is a few
sets whatever the class does, and the work is no slower on two cores.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

#: Threads allowed to do O(N) work at once (the machine has two cores).
HEAVY_WORKERS = 2

_heavy = threading.BoundedSemaphore(HEAVY_WORKERS)
_depth = threading.local()


@contextmanager
def heavy_work() -> Iterator[None]:
    """Run a block of O(N) work, at most :data:`HEAVY_WORKERS` threads at a time.

    Use it around leaf work only (gdcore calls on N-sized arrays), never around
    a call to a cached function: a thread holding a slot while it waits for
    another thread's cache entry could wait for ever. Re-entrant within one
    thread, so nesting by mistake costs nothing.
    """
    depth = getattr(_depth, "value", 0)
    if depth == 0:
        _heavy.acquire()
    _depth.value = depth + 1
    try:
        yield
    finally:
        _depth.value = depth
        if depth == 0:
            _heavy.release()


def nbytes(value: Any) -> int:
    """Bytes held by the numpy arrays inside ``value`` (dataclasses, tuples, lists, dicts).

    Arrays that share memory are counted once per array object; scalars and
    strings count as nothing (they are small next to the arrays).
    """
    seen: set[int] = set()

    def walk(item: Any) -> int:
        if id(item) in seen:
            return 0
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            return int(item.nbytes)
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return sum(walk(getattr(item, f.name)) for f in dataclasses.fields(item))
        if isinstance(item, (tuple, list)):
            return sum(walk(v) for v in item)
        if isinstance(item, dict):
            return sum(walk(v) for v in item.values())
        return 0

    return walk(value)


def freeze(value: T) -> T:
    """Make every numpy array inside ``value`` read-only (it is shared between callers)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            freeze(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for v in value:
            freeze(v)
    elif isinstance(value, dict):
        for v in value.values():
            freeze(v)
    return value


class ByteBoundedCache:
    """Least-recently-used results, at most ``max_bytes`` of numpy arrays in all.

    A result larger than the whole budget is returned but not kept. Two
    threads asking for the same missing key compute it once: the second waits
    for the first. Results are frozen (read-only arrays) and shared.
    """

    def __init__(self, max_bytes: int):
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
        self.held_bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.held_bytes = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached result for ``key``, computing (and keeping) it if missing."""
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    self.hits += 1
                    return self._items[key][0]
                event = self._pending.get(key)
                if event is None:
                    event = self._pending[key] = threading.Event()
                    self.misses += 1
                    break
            event.wait()  # another thread is computing it; then look again
        try:
            value = freeze(compute())
            size = nbytes(value)
            with self._lock:
                if size <= self.max_bytes:
                    self._items[key] = (value, size)
                    self.held_bytes += size
                    while self.held_bytes > self.max_bytes:
                        _, (_, dropped) = self._items.popitem(last=False)
                        self.held_bytes -= dropped
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            event.set()


def byte_bounded(cache: ByteBoundedCache) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: memoise a function of hashable positional arguments in ``cache``."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        def wrapper(*args: Hashable) -> T:
            return cache.get((fn.__qualname__, *args), lambda: fn(*args))

        wrapper.__name__ = fn.__name__
        wrapper.__qualname__ = fn.__qualname__
        wrapper.__doc__ = fn.__doc__
        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper

    return decorate


def return_freed_memory_to_the_system() -> bool:
    """Ask glibc's allocator to hand large freed blocks straight back to the system.

    By default glibc raises its mmap threshold each time a large block is freed
    (up to 32 MiB), after which N-sized arrays come from the heap and stay part
    of the server's resident memory after they are freed; each script thread
    may also get its own heap ("arena"). Fixing the threshold at 1 MiB keeps
    every N-sized array in its own mapping, returned on free, and two arenas
    are plenty for a process that does its heavy work two threads at a time.
    A no-op (returning False) where the C library is not glibc.
    """
    import ctypes
    import ctypes.util

    m_mmap_threshold, m_arena_max = -3, -8  # from glibc's malloc.h
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(m_mmap_threshold, 1 << 20)) and bool(mallopt(m_arena_max, 2))
