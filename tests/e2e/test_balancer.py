"""Two replicas behind HAProxy, started by ``deploy/run_replicas.sh``: stickiness, spread, failover.

The clients come in as a browser does: an HTTP GET of the page through the balancer (which
answers with its sticky cookie naming a replica), then ``/_stcore/health`` (Streamlit's XSRF
cookie), then the websocket ``/_stcore/stream`` with those cookies. Six such sessions speak
Streamlit's protocol (``st_client.Session``, cheap); one real Chromium page proves the
frontend itself works through the proxy (websocket upgrade included).

Checked, in order:

1. The sessions spread over both replicas: their cookies differ, and each replica's own
   ``/_stcore/metrics`` (asked on its own port, not through the balancer) counts exactly
   the sessions whose cookie names it.
2. Each session keeps its own state: ``/Init?seed=S`` shows the random b of its seed, then
   the Loss page without URL parameters (a menu switch) shows the loss of that seed.
3. Chromium loads ``/Data?seed=...`` through the balancer and draws its charts.
4. The replica holding the browser is killed (SIGKILL, a crash):
   - sessions on the other replica are undisturbed: a rerun still shows their own loss, and
     one of them drops its websocket and resumes its session by id (as the frontend does on
     a network blip) with its state intact;
   - sessions of the killed replica see their websocket close, open a new one with the same
     (now stale) cookie, are redispatched to the live replica (which re-points the cookie)
     and get a working app: a fresh session with the book's numbers;
   - the browser reconnects by itself (its cookie re-pointed to the live replica) and keeps
     showing its page; its next menu click runs on the live replica in a new session with the
     book's numbers (its settings were in the dead replica's memory).
5. SIGTERM to the script stops every process it started.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from st_client import Session, parse_set_cookies
from test_concurrency import expected_loss
from test_flows import metrics as page_metrics
from test_pages import wait_for_charts
from websockets.exceptions import InvalidStatus

import gdcore
from ui.settings import DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "run_replicas.sh"
REPLICAS = 2
STICKY_COOKIE = "STREAMLIT_REPLICA"  # deploy/haproxy.cfg
SEEDS = [501, 502, 503, 504, 505, 506]
BROWSER_SEED = 7
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 20.0
FAILOVER_TIMEOUT_S = 60.0


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports on 127.0.0.1 (held together while picked, so they differ)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def http_get(base_url: str, path: str, cookies: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """GET ``path`` with ``cookies``; return the status, the cookies the response sets, the body."""
    url = urlparse(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read().decode(errors="replace")
        return resp.status, parse_set_cookies(resp.headers), body
    finally:
        conn.close()


def replica_metrics(port: int) -> dict[str, float]:
    """A replica's own counters (``/_stcore/metrics`` on its port): active sessions, connects, reconnects."""
    _status, _cookies, body = http_get(f"http://127.0.0.1:{port}", "/_stcore/metrics", {})
    values = {}
    for name, key in (
        ("active", r"active_sessions"),
        ("connects", r'session_events_total\{type="connect"\}'),
        ("reconnects", r'session_events_total\{type="reconnect"\}'),
    ):
        m = re.search(rf"^{key} (\S+)$", body, re.M)
        values[name] = float(m.group(1)) if m else float("nan")
    return values


def replica_metrics_when(port: int, active: int, timeout_s: float = 10.0) -> dict[str, float]:
    """The replica's counters once it counts ``active`` sessions (a session registers just after
    its websocket handshake), or as they are after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    seen = replica_metrics(port)
    while seen["active"] != active and time.monotonic() < deadline:
        time.sleep(0.1)
        seen = replica_metrics(port)
    return seen


@dataclass
class Balancer:
    """The running script: balancer URL, replica ports and PIDs, and how to stop it."""

    url: str
    run_dir: Path
    ports: dict[str, int]  # cookie value ("app1", ...) -> the replica's own port
    proc: subprocess.Popen
    stop_report: dict = field(default_factory=dict)

    def pid(self, name: str) -> int:
        """PID of a process the script started: "app<i>" for a replica, "haproxy"."""
        file = f"replica-{name.removeprefix('app')}.pid" if name.startswith("app") else f"{name}.pid"
        return int((self.run_dir / file).read_text())

    def all_pids(self) -> list[int]:
        return [int(p.read_text()) for p in sorted(self.run_dir.glob("*.pid"))]

    def stop(self) -> dict:
        """SIGTERM the script (as Ctrl-C or a service manager would); report how it went. Idempotent."""
        if self.stop_report:
            return self.stop_report
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            rc = None
        left = [pid for pid in self.all_pids() if _alive(pid)]
        self.stop_report = {"rc": rc, "seconds": time.monotonic() - t0, "left": left}
        # Safety net, whatever happened: the script's own process group, then its children by PID.
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for pid in left:
            _kill(pid)
        return self.stop_report


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture
def balancer(tmp_path):
    """``deploy/run_replicas.sh`` with two replicas and HAProxy on free loopback ports."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        message = "HAProxy is not installed (apt-get install -y haproxy; .ci/run does it)"
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    lb_port, *replica_ports = free_ports(1 + REPLICAS)
    run_dir = tmp_path / "replicas"
    out_path = tmp_path / "run_replicas.out"
    cmd = [
        "bash",
        str(SCRIPT),
        "--replicas",
        str(REPLICAS),
        "--addr",
        "127.0.0.1",
        "--port",
        str(lb_port),
        "--ports",
        ",".join(map(str, replica_ports)),
        "--dir",
        str(run_dir),
    ]
    env = dict(os.environ, PYTHON=sys.executable, HAPROXY=haproxy, START_TIMEOUT=str(int(START_TIMEOUT_S)))
    with out_path.open("w") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    bal = Balancer(
        f"http://127.0.0.1:{lb_port}", run_dir, {f"app{i}": port for i, port in enumerate(replica_ports, 1)}, proc
    )
    try:
        t0 = time.monotonic()
        while "ready: " not in out_path.read_text():
            if proc.poll() is not None or time.monotonic() - t0 > START_TIMEOUT_S + 10:
                pytest.fail(
                    f"run_replicas.sh not ready (exit code {proc.poll()}):\n{out_path.read_text()}\n"
                    f"HAProxy log:\n{_log_tail(run_dir / 'haproxy.log')}"
                )
            time.sleep(0.2)
        bal.start_s = time.monotonic() - t0
        yield bal
    finally:
        bal.stop()


class LoopThread:
    """An asyncio loop in a thread, so websockets stay open between steps driven from sync code
    (the Playwright sync API owns the test's own thread)."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def submit(self, coro) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro, timeout: float = 120.0):
        return self.submit(coro).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


async def open_like_a_browser(base_url: str) -> Session:
    """Page first (the balancer picks a replica and sets its cookie), then health (Streamlit's
    XSRF cookie), then the websocket with both cookies."""
    status, cookies, _ = http_get(base_url, "/", {})
    assert status == 200 and STICKY_COOKIE in cookies, f"GET / answered {status}, cookies {cookies}"
    status, more, body = http_get(base_url, "/_stcore/health", cookies)
    assert status == 200 and body.strip() == "ok", f"health through the balancer: {status} {body!r}"
    cookies.update(more)
    session = Session(base_url, cookies)
    await session.connect()
    return session


def shown_b(run: dict) -> str | None:
    value = next((v for k, v in run["metrics"].items() if "random b" in k.lower()), None)
    return None if value is None else value.replace("\u2212", "-")


def shows_loss(run: dict, seed: int) -> bool:
    return expected_loss(seed) in {v.replace("\u2212", "-") for v in run["metrics"].values()}


def run_problems(name: str, run: dict) -> list[str]:
    if run["exceptions"] or run.get("status") != "FINISHED_SUCCESSFULLY":
        return [f"{name} ended {run.get('status')} with {run['exceptions']}"]
    return []


def sticky_cookie(page) -> str | None:
    """The replica the browser's sticky cookie names (HttpOnly, so read from the context)."""
    return {c["name"]: c["value"] for c in page.context.cookies()}.get(STICKY_COOKIE)


def connection_state(page) -> str | None:
    return page.evaluate(
        "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-connection-state')"
    )


def replica_of(session: Session) -> str:
    return session.cookies[STICKY_COOKIE]


# --------------------------------------------------------------------------- session steps


async def init_then_loss(s: Session, seed: int) -> tuple[dict, dict]:
    """Init with the session's own seed, then Loss without URL parameters (a menu switch)."""
    return await s.run_page("Init", f"seed={seed}"), await s.run_page("Loss", "")


async def rerun_loss(s: Session, t_kill: float) -> tuple[dict, float]:
    """A survivor's plain rerun; returns it and when it finished (seconds after the kill)."""
    rerun = await s.run_page("Loss", "")
    return rerun, time.monotonic() - t_kill


async def drop_and_resume(s: Session) -> tuple[dict, str]:
    """A survivor drops its websocket and resumes its session by id, as the frontend does."""
    old_id = s.session_id
    await s.close()
    await s.connect(resume=True)
    return await s.run_page("Loss", ""), old_id


async def reconnect(s: Session, within_s: float = 15.0) -> None:
    """Reconnect and resume, retrying as the frontend does while HAProxy answers 502: until it has
    marked the killed replica down, a request with its (stale) cookie can still be sent there."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            await s.connect(resume=True)
            return
        except InvalidStatus as exc:
            if exc.response.status_code not in (502, 503) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.25)


async def fail_over(s: Session, t_kill: float) -> dict:
    """A session of the killed replica: wait for its socket to close, reconnect with the same
    (stale) cookie and its old session id, run Loss; times are seconds after the kill."""
    old_id = s.session_id
    await asyncio.wait_for(s.ws.wait_closed(), 15)
    closed_s = time.monotonic() - t_kill
    await reconnect(s)
    connected_s = time.monotonic() - t_kill
    rerun = await s.run_page("Loss", "")
    return {
        "run": rerun,
        "old_id": old_id,
        "closed_s": closed_s,
        "connected_s": connected_s,
        "ran_s": time.monotonic() - t_kill,
    }


# --------------------------------------------------------------------------- checks


def own_state_problems(runs: dict[int, tuple[dict, dict]]) -> list[str]:
    """Each seed's Init shows its random b and its Loss (after the switch) its own loss."""
    problems = []
    for seed, (init, loss) in runs.items():
        problems += run_problems(f"seed {seed} Init", init) + run_problems(f"seed {seed} Loss", loss)
        b, _w = gdcore.init_params(seed)
        if shown_b(init) != f"{b:.4f}":
            problems.append(f"seed {seed}: Init shows random b {shown_b(init)!r}, expected {b:.4f}")
        if not shows_loss(loss, seed):
            problems.append(f"seed {seed}: Loss does not show its loss {expected_loss(seed)}: {loss['metrics']}")
    return problems


def survivor_problems(
    steady: dict[int, dict], resumed_seed: int, resumed: tuple[dict, str], sessions: dict[int, Session]
) -> list[str]:
    """Sessions on the live replica kept their state, through a rerun and through a resume."""
    problems = []
    for seed, rerun in steady.items():
        problems += run_problems(f"survivor {seed} rerun", rerun)
        if not shows_loss(rerun, seed):
            problems.append(f"survivor {seed}: rerun lost its state: {rerun['metrics']}")
    rerun, old_id = resumed
    problems += run_problems(f"survivor {resumed_seed} resumed", rerun)
    if sessions[resumed_seed].session_id != old_id or not shows_loss(rerun, resumed_seed):
        problems.append(
            f"survivor {resumed_seed}: resuming by id gave session "
            f"{sessions[resumed_seed].session_id} (was {old_id}) showing {rerun['metrics']}"
        )
    return problems


def moved_problems(moved: dict[int, dict], sessions: dict[int, Session], survivor: str) -> list[str]:
    """Sessions of the killed replica: redispatched, cookie re-pointed, a fresh working session."""
    problems = []
    for seed, m in moved.items():
        s = sessions[seed]
        problems += run_problems(f"moved {seed}", m["run"])
        if s.set_cookies.get(STICKY_COOKIE) != survivor:
            problems.append(f"moved {seed}: the handshake did not re-point the cookie to {survivor}: {s.set_cookies}")
        if s.session_id == m["old_id"]:
            problems.append(f"moved {seed}: kept session id {m['old_id']} on another replica")
        if not shows_loss(m["run"], DEFAULTS.seed):
            problems.append(
                f"moved {seed}: a fresh session should show the book's loss "
                f"{expected_loss(DEFAULTS.seed)}: {m['run']['metrics']}"
            )
    return problems


def wait_for_browser_on(page, replica: str) -> None:
    """Until the browser's cookie names ``replica`` and its websocket is connected."""
    deadline = time.monotonic() + FAILOVER_TIMEOUT_S
    while not (sticky_cookie(page) == replica and connection_state(page) == "CONNECTED"):
        assert time.monotonic() < deadline, (
            f"the browser did not reconnect: cookie {sticky_cookie(page)}, state {connection_state(page)}"
        )
        time.sleep(0.05)


# --------------------------------------------------------------------------- the test


def test_replicas_behind_haproxy(balancer, page, open_page, wait_for_rerun):
    t_test = time.monotonic()
    base = balancer.url
    loop = LoopThread()
    sessions: dict[int, Session] = {}
    try:
        # 0. HAProxy marks a replica up after two passed health checks (rise 2, inter 1s); until it has
        #    seen both, every session goes to one. Probe until a session lands on each (a few seconds).
        async def until_both_up():
            seen: set[str] = set()
            deadline = time.monotonic() + 20
            while seen != set(balancer.ports) and time.monotonic() < deadline:
                try:
                    probe = await open_like_a_browser(base)
                except Exception:  # a replica HAProxy has not marked up yet answers 502: try again
                    await asyncio.sleep(0.3)
                    continue
                seen.add(replica_of(probe))
                await probe.close()
                await asyncio.sleep(0.3)

        loop.run(until_both_up())

        # 1. Sessions through the balancer, one after another as students arrive.
        async def open_all():
            for seed in SEEDS:
                sessions[seed] = await open_like_a_browser(base)

        loop.run(open_all())
        per_replica = {
            name: sorted(s for s, sess in sessions.items() if replica_of(sess) == name) for name in balancer.ports
        }
        assert all(per_replica.values()), f"sessions did not spread over the replicas: {per_replica}"
        for name, port in balancer.ports.items():
            seen = replica_metrics_when(port, len(per_replica[name]))
            assert seen["active"] == len(per_replica[name]), (
                f"replica {name} (port {port}) counts {seen['active']} sessions, but "
                f"{len(per_replica[name])} cookies name it: {per_replica}"
            )

        # 2. Each session keeps its own state across a page switch.
        async def all_init_then_loss():
            return await asyncio.gather(*(init_then_loss(sessions[s], s) for s in SEEDS))

        t0 = time.monotonic()
        runs = dict(zip(SEEDS, loop.run(all_init_then_loss())))
        state_s = time.monotonic() - t0
        problems = own_state_problems(runs)
        assert not problems, "\n".join(problems)

        # 3. A real browser through the balancer.
        t0 = time.monotonic()
        open_page(page, base, "/Data", query=f"seed={BROWSER_SEED}")
        charts = wait_for_charts(page)
        browser_load_s = time.monotonic() - t0
        data = gdcore.make_data(seed=BROWSER_SEED)
        first_point = f"({data.x_train[0]:.4f}, {data.y_train[0]:.4f})"
        assert charts["vega"] >= 2 and not charts["undrawn"], charts
        shown = page_metrics(page).get("First training point", "").replace("\u2212", "-")
        assert shown == first_point, f"Data shows first point {shown!r}, expected {first_point} (seed {BROWSER_SEED})"
        assert page.console_errors == [], "\n".join(page.console_errors)
        victim = sticky_cookie(page)
        assert victim in balancer.ports, f"the browser got no sticky cookie: {page.context.cookies()}"
        assert connection_state(page) == "CONNECTED"
        (survivor,) = [name for name in balancer.ports if name != victim]
        before = replica_metrics_when(balancer.ports[victim], len(per_replica[victim]) + 1)
        assert before["active"] == len(per_replica[victim]) + 1, f"the browser's replica counts {before}"
        survivor_before = replica_metrics(balancer.ports[survivor])

        # 4. Kill the browser's replica; the sessions and the browser react at the same time.
        steady_seeds, resumed_seed = per_replica[survivor][1:], per_replica[survivor][0]
        t_kill = time.monotonic()
        os.kill(balancer.pid(victim), signal.SIGKILL)

        async def after_kill():
            return await asyncio.gather(
                asyncio.gather(*(rerun_loss(sessions[s], t_kill) for s in steady_seeds)),
                drop_and_resume(sessions[resumed_seed]),
                asyncio.gather(*(fail_over(sessions[s], t_kill) for s in per_replica[victim])),
            )

        sessions_after_kill = loop.submit(after_kill())
        wait_for_browser_on(page, survivor)  # HAProxy re-points the browser's cookie
        browser_back_s = time.monotonic() - t_kill
        steady, resumed, moved = sessions_after_kill.result(FAILOVER_TIMEOUT_S)
        steady = dict(zip(steady_seeds, steady))
        moved = dict(zip(per_replica[victim], moved))
        problems = survivor_problems(
            {s: r for s, (r, _t) in steady.items()}, resumed_seed, resumed, sessions
        ) + moved_problems(moved, sessions, survivor)
        assert not problems, "\n".join(problems)

        # The reconnected page stays as it was (the frontend expects to resume its session, so it
        # does not rerun). Its next action runs on the survivor in a new session: a menu click (no
        # URL parameters, like the moved sessions above) shows the book's numbers.
        page.locator('.st-key-menu a[data-testid="stPageLink-NavLink"]', has_text="Init").first.click()
        wait_for_rerun(page)
        browser_init_s = time.monotonic() - t_kill
        b, _w = gdcore.init_params(DEFAULTS.seed)
        shown = page_metrics(page).get("Random b", "").replace("\u2212", "-")
        assert page.evaluate("location.pathname") == "/Init" and shown == f"{b:.4f}", (
            f"after the failover the browser's Init shows random b {shown!r}, expected the book's {b:.4f}"
        )
        assert page.locator('[data-testid="stException"]').count() == 0
        after = replica_metrics_when(balancer.ports[survivor], len(SEEDS) + 1)
        assert after["active"] == len(SEEDS) + 1, f"the live replica counts {after}"
        assert after["reconnects"] >= survivor_before["reconnects"] + 1, f"no resumed session counted: {after}"
        down = f"Server streamlit/{victim} is DOWN" in (balancer.run_dir / "haproxy.log").read_text()
    finally:
        for s in sessions.values():
            with contextlib.suppress(Exception):
                loop.run(s.close(), timeout=10)
        loop.close()

    # 5. SIGTERM stops everything the script started.
    report = balancer.stop()
    assert report["rc"] == 143 and not report["left"], (
        f"after SIGTERM: script exit code {report['rc']}, still running: {report['left']}"
    )

    print(
        f"\nbalancer ready {balancer.start_s:.1f} s after start ({REPLICAS} replicas); sessions per replica "
        + ", ".join(f"{k}: {len(v)} {v}" for k, v in per_replica.items())
        + f" (+ the browser on {victim})\n"
        f"{len(SEEDS)} sessions Init+Loss in {state_s:.1f} s; browser /Data through the balancer in "
        f"{browser_load_s:.1f} s ({charts['vega']} charts)\n"
        f"killed {victim}: its {len(moved)} sessions saw the socket close after "
        f"{max(m['closed_s'] for m in moved.values()):.2f} s, had a new one on {survivor} after "
        + ", ".join(f"{m['connected_s']:.2f}" for m in moved.values())
        + " s and a finished Loss run after "
        + ", ".join(f"{m['ran_s']:.1f}" for m in moved.values())
        + " s; survivor reruns done after "
        + ", ".join(f"{t:.1f}" for _r, t in steady.values())
        + " s; "
        f"the browser reconnected by itself after {browser_back_s:.2f} s, its menu click ran Init after "
        f"{browser_init_s:.1f} s; HAProxy logged {victim} DOWN: {'yes' if down else 'no'}\n"
        f"stopped by SIGTERM in {report['seconds']:.1f} s; test took {time.monotonic() - t_test:.1f} s"
    )
