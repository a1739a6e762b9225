"""Many simultaneous sessions on one server: each keeps its own settings; memory stays bounded.

24 sessions connect at the same moment, each opens ``/Init?seed=<s>`` with its own seed and
must read back its own random b (``gdcore.init_params(s)``); then each switches to the Loss
page without any URL parameter, as the sidebar menu does, and must show the loss of its
own seed's data and start, computed from the session's stored settings.

The sessions speak Streamlit's own websocket protocol (the protobuf messages the browser
sends and receives, ``/_stcore/stream``), so the server does exactly the work it does for
browsers (sessions, script runs, session state, caches) while the client side stays cheap:
24 headless Chromium tabs would cost about a minute of CPU on a 2-core machine, mostly
parsing the frontend's JavaScript. The browser path itself is covered by test_pages and
test_flows.

The server's resident memory (VmRSS of the ``streamlit run`` process) is sampled before
and throughout; it must stay under :data:`RSS_LIMIT_MB`.
"""

from __future__ import annotations

import asyncio
import time

from proc_stats import rss_mb
from st_client import RUN_TIMEOUT_S, Session, run_async

import gdcore

SESSIONS = 24
SEEDS = [1000 + 37 * i for i in range(SESSIONS)]
RSS_LIMIT_MB = 600


def expected_loss(seed: int) -> str:
    data = gdcore.make_data(seed=seed)
    b, w = gdcore.init_params(seed)
    return f"{gdcore.mse(b, w, data.x_train, data.y_train):.4f}"


async def _one(
    base_url: str, seed: int, go: asyncio.Event, all_done: asyncio.Event, results: dict, remaining: list
) -> None:
    s = Session(base_url)
    r = results[seed] = {}
    try:
        await s.connect()
        await go.wait()
        t0 = time.monotonic()
        r["init"] = await s.run_page("Init", f"seed={seed}")
        r["init_s"] = time.monotonic() - t0
        r["loss"] = await s.run_page("Loss", "")  # like the sidebar menu: no URL parameters
        r["total_s"] = time.monotonic() - t0
    except Exception as exc:
        r["failure"] = f"{type(exc).__name__}: {exc}"
    finally:
        remaining[0] -= 1
        if remaining[0] == 0:
            all_done.set()
        await all_done.wait()  # keep every session open until all have finished
        await s.close()


async def _run_sessions(base_url: str, pid: int) -> tuple[dict, dict]:
    results: dict = {}
    go, all_done = asyncio.Event(), asyncio.Event()
    remaining = [len(SEEDS)]
    rss = {"peak": rss_mb(pid)}

    async def sample():
        while not all_done.is_set():
            rss["peak"] = max(rss["peak"], rss_mb(pid))
            await asyncio.sleep(0.05)
        rss["all_open"] = rss_mb(pid)
        rss["peak"] = max(rss["peak"], rss["all_open"])

    sampler = asyncio.create_task(sample())
    tasks = [asyncio.create_task(_one(base_url, s, go, all_done, results, remaining)) for s in SEEDS]
    await asyncio.sleep(0.5)  # every session is connected (or connecting): start them together
    t0 = time.monotonic()
    go.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=2 * RUN_TIMEOUT_S + 60)
    rss["wall_s"] = time.monotonic() - t0
    await sampler
    return results, rss


def test_simultaneous_sessions_keep_their_own_settings(app_server, app_server_pid):
    # Warm the server (imports, caches, first script compile) so "before" is a steady state.
    async def warm():
        s = Session(app_server)
        await s.connect()
        await s.run_page("Init", "")
        await s.run_page("Loss", "")
        await s.close()

    run_async(warm())
    rss_before = rss_mb(app_server_pid)
    results, rss = run_async(_run_sessions(app_server, app_server_pid))
    time.sleep(1.0)
    rss_after = rss_mb(app_server_pid)

    totals = sorted(r["total_s"] for r in results.values() if "total_s" in r)
    print(
        f"\n{SESSIONS} simultaneous sessions (Init with their own seed, then Loss): all done in "
        f"{rss['wall_s']:.1f} s; per session median {totals[len(totals) // 2] if totals else float('nan'):.1f} s, "
        f"max {totals[-1] if totals else float('nan'):.1f} s\n"
        f"server RSS: before {rss_before:.0f} MiB, peak {rss['peak']:.0f} MiB, with all {SESSIONS} sessions open "
        f"{rss.get('all_open', float('nan')):.0f} MiB, 1 s after closing {rss_after:.0f} MiB "
        f"(limit {RSS_LIMIT_MB} MiB)"
    )

    problems = []
    for seed in SEEDS:
        r = results.get(seed, {})
        if "failure" in r or "loss" not in r:
            problems.append(f"seed {seed}: session failed: {r.get('failure', r)}")
            continue
        init, loss = r["init"], r["loss"]
        for name, run in (("Init", init), ("Loss", loss)):
            if run["exceptions"] or run.get("status") != "FINISHED_SUCCESSFULLY":
                problems.append(f"seed {seed}: {name} ended {run.get('status')} with {run['exceptions']}")
        b, _w = gdcore.init_params(seed)
        shown = next((v for k, v in init["metrics"].items() if "random b" in k.lower()), None)
        if shown is None or shown.replace("\u2212", "-") != f"{b:.4f}":
            problems.append(f"seed {seed}: Init shows random b {shown!r}, expected {b:.4f} ({init['metrics']})")
        # A link that already holds the view is left as it is (None: nothing written), so it keeps its #section.
        init_url = f"seed={seed}" if init["query_string"] is None else init["query_string"]
        if f"seed={seed}" not in init_url.split("&"):
            problems.append(f"seed {seed}: Init wrote the URL {init['query_string']!r} without its seed")
        want = expected_loss(seed)
        if want not in {v.replace("\u2212", "-") for v in loss["metrics"].values()}:
            problems.append(f"seed {seed}: Loss does not show this session's loss {want}: {loss['metrics']}")
        if f"seed={seed}" not in (loss["query_string"] or "").split("&"):
            problems.append(f"seed {seed}: after the page switch the URL is {loss['query_string']!r}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
    assert rss["peak"] < RSS_LIMIT_MB, f"server RSS peaked at {rss['peak']:.0f} MiB (limit {RSS_LIMIT_MB} MiB)"
