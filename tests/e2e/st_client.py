"""A cheap Streamlit client for the e2e tests: one session over the browser's websocket protocol.

It sends and receives the protobuf messages the frontend does (``/_stcore/stream``), so the
server does exactly the work it does for a browser (sessions, script runs, session state,
caches) while the client side costs next to nothing. It opens the socket the way the
frontend does: subprotocols ``["streamlit", <XSRF token or placeholder>, <last session id>]``,
with the cookies a browser would send (e.g. a load balancer's sticky cookie).
"""

from __future__ import annotations

import asyncio
import json
from http.cookies import SimpleCookie
from urllib.parse import urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

#: Longest wait for one message of a script run.
RUN_TIMEOUT_S = 180.0

#: What the frontend sends in place of an XSRF token when it has no cookie.
NO_XSRF_TOKEN = "PLACEHOLDER_AUTH_TOKEN"
XSRF_COOKIE = "_streamlit_xsrf"


def parse_set_cookies(headers) -> dict[str, str]:
    """Name -> value of every ``Set-Cookie`` in ``headers`` (an ``email.message``-like object)."""
    jar = SimpleCookie()
    for line in headers.get_all("Set-Cookie") or []:
        jar.load(line)
    return {name: morsel.value for name, morsel in jar.items()}


def run_async(coro):
    """``asyncio.run(coro)`` in a thread of its own, returning its result (or raising its error).

    Playwright's sync API keeps an event loop running in the main thread once a browser
    test has run, and ``asyncio.run`` refuses to start inside a running loop.
    """
    import threading

    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coro)
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="st-client")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _note_widget(widgets: dict, element, fragment_id: str) -> None:
    """Remember a slider's or a custom component's id (what a later widget state must name)."""
    kind = element.WhichOneof("type")
    if kind == "slider":
        widgets[element.slider.label] = (element.slider.id, fragment_id, "")
    elif kind == "bidi_component":
        comp = element.bidi_component
        data = comp.json or (comp.mixed.json if comp.HasField("mixed") else "")
        widgets[comp.component_name] = (comp.id, fragment_id, data)


def slider_state(widget_id: str, value: float) -> WidgetState:
    """A slider's new value, as the browser sends it."""
    state = WidgetState(id=widget_id)
    state.double_array_value.data.append(float(value))
    return state


def component_state(widget_id: str, state: dict) -> WidgetState:
    """A custom component's state (what its ``setStateValue`` calls left), as the browser sends it."""
    return WidgetState(id=widget_id, json_value=json.dumps(state))


class Session:
    """One Streamlit session over the websocket, as the frontend opens it.

    ``cookies`` are sent with the handshake; ``set_cookies`` holds what the handshake's
    response set (a balancer may re-point its sticky cookie there). ``session_id`` is the
    server's id for this session, sent back on :meth:`connect` with ``resume=True`` as the
    frontend does when it reconnects.
    """

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None):
        self.host = urlparse(base_url).netloc
        self.origin = base_url.rstrip("/")
        self.cookies: dict[str, str] = dict(cookies or {})
        self.set_cookies: dict[str, str] = {}
        self.session_id = ""
        self.ws = None
        self.query_string = ""

    async def connect(self, resume: bool = False) -> None:
        """Open the websocket; with ``resume``, ask for this session's previous id back."""
        from websockets.asyncio.client import connect

        protocols = ["streamlit", self.cookies.get(XSRF_COOKIE, NO_XSRF_TOKEN)]
        if resume and self.session_id:
            protocols.append(self.session_id)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        self.ws = await connect(
            f"ws://{self.host}/_stcore/stream",
            subprotocols=protocols,
            origin=self.origin,
            additional_headers=headers,
            max_size=None,
            open_timeout=60,
        )
        self.set_cookies = parse_set_cookies(self.ws.response.headers)
        self.cookies.update(self.set_cookies)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run_page(
        self, page_name: str, query_string: str, widget_states: list[WidgetState] | None = None, fragment_id: str = ""
    ) -> dict:
        """Request a run of ``page_name`` with ``query_string``; collect what the last run shows.

        ``widget_states`` are sent as the browser sends a widget's new value (the ids come
        from an earlier run's ``widgets``); ``fragment_id`` asks for a rerun of that fragment
        only, as the browser does for a widget inside one. The result holds the run's
        metrics by label, its Markdown texts, its exceptions, the URL's query string, its ``status`` and
        ``widgets``: label (or component name) -> (widget id, fragment id, data JSON).
        """
        msg = BackMsg()
        msg.rerun_script.query_string = query_string
        msg.rerun_script.page_name = page_name
        msg.rerun_script.context_info.url = f"{self.origin}/{page_name}"
        if widget_states:
            msg.rerun_script.widget_states.widgets.extend(widget_states)
        if fragment_id:
            msg.rerun_script.fragment_id = fragment_id
        await self.ws.send(msg.SerializeToString())
        self.page_name = page_name
        result = {"metrics": {}, "exceptions": [], "query_string": None, "widgets": {}, "markdown": []}
        early = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), RUN_TIMEOUT_S))
            kind = fwd.WhichOneof("type")
            if kind == "new_session":  # sent at the start of every run: forget the previous run
                result["metrics"], result["exceptions"] = {}, []
                self.session_id = fwd.new_session.initialize.session_id or self.session_id
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                _note_widget(result["widgets"], el, fwd.delta.fragment_id)
                if el.WhichOneof("type") == "markdown":
                    result["markdown"].append(el.markdown.body)
                if el.WhichOneof("type") == "metric":
                    result["metrics"][el.metric.label] = el.metric.body
                elif el.WhichOneof("type") == "exception":
                    result["exceptions"].append(f"{el.exception.type}: {el.exception.message}")
            elif kind == "page_info_changed":
                result["query_string"] = self.query_string = fwd.page_info_changed.query_string
            elif kind == "page_not_found":
                result["exceptions"].append(f"page not found: {fwd.page_not_found.page_name}")
            elif kind == "script_finished" and fwd.script_finished != early:
                result["status"] = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                return result
