"""ui.memo: the byte-bounded shared cache and the limit on concurrent O(N) work."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest

from ui import memo


def _array(mib: float) -> np.ndarray:
    return np.zeros(int(mib * 2**20) // 8)


def test_nbytes_counts_arrays_in_dataclasses_and_containers_once():
    @dataclass(frozen=True)
    class Holder:
        a: np.ndarray
        b: tuple

    shared = _array(1)
    value = Holder(shared, (shared, {"x": _array(0.5)}, 3.0, "text"))
    assert memo.nbytes(value) == shared.nbytes + _array(0.5).nbytes


def test_cache_evicts_least_recently_used_by_bytes_and_shares_read_only_results():
    cache = memo.ByteBoundedCache(max_bytes=3 * 2**20)
    calls = []

    def make(key, mib=1.0):
        calls.append(key)
        return _array(mib)

    a = cache.get("a", lambda: make("a"))
    cache.get("b", lambda: make("b"))
    assert cache.get("a", lambda: make("a")) is a  # a hit: the same object, not a copy
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0] = 1.0
    cache.get("c", lambda: make("c"))
    cache.get("d", lambda: make("d"))  # over 3 MiB: "b", the least recently used, goes
    assert cache.held_bytes <= cache.max_bytes
    cache.get("b", lambda: make("b"))
    assert calls == ["a", "b", "c", "d", "b"]
    assert (cache.hits, cache.misses) == (1, 5)


def test_a_result_larger_than_the_budget_is_returned_but_not_kept():
    cache = memo.ByteBoundedCache(max_bytes=2**20)
    big = cache.get("big", lambda: _array(2))
    assert big.size == _array(2).size
    assert len(cache) == 0 and cache.held_bytes == 0


def test_concurrent_callers_of_one_missing_key_compute_it_once():
    cache = memo.ByteBoundedCache(max_bytes=2**20)
    computed = []

    def slow():
        computed.append(1)
        time.sleep(0.2)
        return _array(0.1)

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(computed) == 1
    assert all(r is results[0] for r in results)


def test_a_failed_computation_is_not_kept_and_does_not_block_the_next_caller():
    cache = memo.ByteBoundedCache(max_bytes=2**20)
    with pytest.raises(RuntimeError):
        cache.get("k", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert cache.get("k", lambda: _array(0.1)).size == _array(0.1).size


def test_heavy_work_admits_two_threads_at_a_time_and_nests_in_one_thread():
    inside, peak, lock = [0], [0], threading.Lock()

    def work():
        with memo.heavy_work(), memo.heavy_work():  # nesting in one thread takes no second slot
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            time.sleep(0.05)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert peak[0] == memo.HEAVY_WORKERS


def test_return_freed_memory_to_the_system_is_safe_to_call_again():
    assert memo.return_freed_memory_to_the_system() in (True, False)
