"""Benchmarks of the numerical core (run by hand, not part of the test suite).

    .venv/bin/python benchmarks/bench_core.py            # full run, about a minute
    .venv/bin/python benchmarks/bench_core.py --quick    # fewer repeats, smaller N

(a) ``gdcore.loss_grid`` (sufficient statistics, O(n + grid)) against the book's
    broadcast method, which builds the predictions of every point at every grid
    node as an (n, 101, 101) array, subtracts the labels, squares, and averages
    over the points: median time, peak traced memory, speed-up, and agreement.
(b) ``gdcore.descend``: batch descent for 1,000 epochs at growing N, and the cost
    of one epoch of mini-batch (32) and stochastic (1) descent.

N is the number of training points (N = 80 is the book's training set).
Exits with status 1 if loss_grid is less than 1000x faster than the broadcast
method at N = 10,000.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import timeit
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gdcore

TARGET_N = 10_000
TARGET_SPEEDUP = 1000.0


# --------------------------------------------------------------------------- helpers


def training_data(n_train: int, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """``n_train`` training points from the lesson's generator (80/20 split)."""
    n = round(n_train / 0.8)
    data = gdcore.make_data(n=n, seed=seed)
    x, y = data.x_train, data.y_train
    assert x.size == n_train, (x.size, n_train)
    return x, y


def book_broadcast_losses(x: np.ndarray, y: np.ndarray, b_values: np.ndarray, w_values: np.ndarray) -> np.ndarray:
    """The book's method, vectorised: an (n, nw, nb) array of predictions.

    The book writes ``np.apply_along_axis(lambda x: bs + ws * x, 1, x_train)``;
    plain broadcasting builds the same array and is faster, so this is the
    stronger baseline.
    """
    bs, ws = np.meshgrid(b_values, w_values)
    all_predictions = bs[np.newaxis] + ws[np.newaxis] * x.reshape(-1, 1, 1)
    all_errors = all_predictions - y.reshape(-1, 1, 1)
    return (all_errors**2).mean(axis=0)


def median_time(fn, budget_s: float = 2.0, max_repeats: int = 7, min_repeats: int = 3) -> float:
    """Median seconds per call over timeit repeats.

    ``timeit.Timer.autorange`` picks the calls per repeat (a repeat lasts >= 0.2 s,
    one call for slow functions) and doubles as warm-up; then as many repeats as
    fit in ``budget_s``, between ``min_repeats`` and ``max_repeats``.
    """
    timer = timeit.Timer(fn)
    number, taken = timer.autorange()
    repeats = int(min(max_repeats, max(min_repeats, budget_s // taken)))
    return statistics.median(t / number for t in timer.repeat(repeat=repeats, number=number))


def peak_bytes(fn) -> int:
    """Peak memory traced while ``fn()`` runs (numpy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:,.1f} µs"
    if s < 1:
        return f"{s * 1e3:,.2f} ms"
    return f"{s:,.2f} s"


def fmt_bytes(b: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if b < 1024 or unit == "GiB":
            return f"{b:,.0f} {unit}" if unit == "B" else f"{b:,.1f} {unit}"
        b /= 1024
    raise AssertionError


def table(headers: list[str], rows: list[list[str]]) -> None:
    """Print a Markdown table (pastes straight into benchmarks/README.md)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.rjust(w) for c, w in zip(r, widths)) + " |")
    print()


def machine() -> None:
    print("## Machine\n")
    print(f"- platform: {platform.platform()}")
    print(f"- processor: {platform.processor() or platform.machine()}")
    print(f"- CPU count: {os.cpu_count()}")
    print(f"- Python {platform.python_version()}, numpy {np.__version__}")
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        libs = [
            f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, {i['num_threads']} threads)"
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ]
        blas = "; ".join(libs) or "none loaded"
    except ImportError:
        pass
    print(f"- BLAS: {blas}")
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS") if k in os.environ}
    print(f"- BLAS-related environment: {env or 'none set'}")
    print(f"- date: {time.strftime('%Y-%m-%d %H:%M')}\n")


# --------------------------------------------------------------------------- (a)


def bench_loss_grid(sizes_both: list[int], sizes_ours: list[int]) -> float | None:
    print("## (a) loss grid, 101 x 101, book_grid('original')\n")
    grid = gdcore.book_grid("original")
    b_values, w_values = grid.b_values, grid.w_values
    rows = []
    speedup_at_target = None
    for n in sizes_both + sizes_ours:
        x, y = training_data(n)
        ours = lambda: gdcore.loss_grid(x, y, b_values, w_values)
        t_ours = median_time(ours)
        m_ours = peak_bytes(ours)
        if n in sizes_both:
            book = lambda: book_broadcast_losses(x, y, b_values, w_values)
            t_book = median_time(book, budget_s=5.0, max_repeats=5)
            m_book = peak_bytes(book)
            ref = book()
            rel = float(np.max(np.abs(ours() - ref) / np.abs(ref)))
            ratio = t_book / t_ours
            if n == TARGET_N:
                speedup_at_target = ratio
            rows.append(
                [
                    f"{n:,}",
                    fmt_time(t_book),
                    fmt_bytes(m_book),
                    fmt_time(t_ours),
                    fmt_bytes(m_ours),
                    f"{ratio:,.0f}x",
                    f"{m_book / m_ours:,.0f}x",
                    f"{rel:.1e}",
                ]
            )
        else:
            rows.append([f"{n:,}", "(not run)", "", fmt_time(t_ours), fmt_bytes(m_ours), "", "", ""])
    table(
        [
            "N",
            "broadcast time",
            "broadcast peak mem",
            "loss_grid time",
            "loss_grid peak mem",
            "speed-up",
            "memory ratio",
            "max rel diff",
        ],
        rows,
    )
    return speedup_at_target


# --------------------------------------------------------------------------- (b)


def bench_descend(batch_sizes_n: list[int], mini_sizes_n: list[int], quick: bool) -> None:
    print("## (b) gdcore.descend, lr = 0.1, start (0.497, -0.138)\n")
    b0, w0 = gdcore.init_params(42)
    print("Batch descent, 1,000 epochs:\n")
    rows = []
    for n in batch_sizes_n:
        x, y = training_data(n)
        t = median_time(lambda: gdcore.descend(x, y, b0, w0, lr=0.1, epochs=1000), budget_s=2.0)
        rows.append([f"{n:,}", fmt_time(t), fmt_time(t / 1000)])
    table(["N", "1,000 epochs", "per epoch"], rows)

    print("Mini-batch (32) and stochastic (1), cost of one epoch (shuffle included):\n")
    rows = []
    for n in mini_sizes_n:
        x, y = training_data(n)
        cells = [f"{n:,}"]
        for batch in (32, 1):
            updates_per_epoch = -(-n // batch)
            # about 2e5 updates per measurement, at least one epoch
            epochs = max(1, min(50, (20_000 if quick else 200_000) // updates_per_epoch))
            t = median_time(
                lambda: gdcore.descend(x, y, b0, w0, lr=0.1, epochs=epochs, batch_size=batch),
                budget_s=3.0,
                max_repeats=5,
                min_repeats=3,
            )
            per_epoch = t / epochs
            cells += [fmt_time(per_epoch), f"{per_epoch / updates_per_epoch * 1e6:,.2f} µs"]
        rows.append(cells)
    table(["N", "mini-batch 32: per epoch", "per update", "stochastic: per epoch", "per update"], rows)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a check that it runs")
    args = ap.parse_args(argv)

    machine()
    if args.quick:
        speedup = bench_loss_grid([80, 1_000, 10_000], [])
        bench_descend([100, 1_000, 10_000], [1_000, 10_000], quick=True)
    else:
        speedup = bench_loss_grid([80, 1_000, 10_000], [1_000_000])
        bench_descend([100, 1_000, 10_000, 100_000, 1_000_000], [1_000, 10_000, 100_000], quick=False)

    ok = speedup is not None and speedup >= TARGET_SPEEDUP
    got = "not measured" if speedup is None else f"{speedup:,.0f}x"
    print(
        f"Target: loss_grid >= {TARGET_SPEEDUP:,.0f}x the broadcast method at N = {TARGET_N:,}: "
        f"{got} -> {'met' if ok else 'NOT MET'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
