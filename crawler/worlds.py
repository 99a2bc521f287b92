"""Where Vigie's own scripts run inside a page: an isolated JavaScript world per frame.

An isolated world (Chromium's, made with the DevTools protocol's ``Page.createIsolatedWorld``,
as browser extensions run their content scripts) shares the frame's DOM but none of its
JavaScript: its own ``JSON``, ``Array.prototype``, ``Promise``, ``window.axe``, and its own DOM
wrappers, so ``Document.prototype.querySelectorAll`` or a ``document.title`` getter redefined by
the page are not seen there. Results come back by value through the protocol, never through a
function the page could have replaced. This is what makes the collector's and axe-core's
evidence something a page cannot forge (docs/security.md, "Evidence a page cannot forge").

Frames: a same-site frame lives in its parent's renderer and is reached through the page's
protocol session; a cross-site frame (out of process) has a target of its own, reached through
Playwright's session for that frame. ``MainWorld`` runs the same calls in the page's own world
(Playwright's ``Frame.evaluate``): the benchmark uses it to measure what isolation costs, and
tests use it to show that the hostile fixtures do forge a main-world run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Protocol

from playwright.async_api import CDPSession, Frame, Page

WORLD_NAME = "vigie"


class PageScriptError(Exception):
    """A call into the page raised, or its frame is gone (its message says which)."""


class FrameWorld(Protocol):
    """One frame, as Vigie's scripts see it."""

    async def run(self, source: str) -> None:
        """Evaluate a script (axe-core's bundle) for its effect."""

    async def call(self, function: str, arg: Any) -> Any:
        """Call a JS function expression with a JSON-safe ``arg``; its result as JSON data."""

    async def child(self, selector: Any) -> FrameWorld | None:
        """The frame of the ``<iframe>`` found by axe's frame selector, or None."""


def _json_call(function: str) -> str:
    # The result crosses as one JSON string: several times faster than an object the protocol
    # serialises field by field. In an isolated world, this JSON is the world's own.
    return f"async function (a) {{ return JSON.stringify(await ({function})(a)); }}"


def _raise_for(reply: dict[str, Any]) -> None:
    details = reply.get("exceptionDetails")
    if details:
        exception = details.get("exception") or {}
        raise PageScriptError(exception.get("description") or details.get("text") or "error")


class IsolatedWorld:
    """One frame's isolated world, addressed by its execution context id."""

    def __init__(self, worlds: IsolatedWorlds, session: CDPSession, context_id: int) -> None:
        self._worlds = worlds
        self._session = session
        self._context_id = context_id

    async def run(self, source: str) -> None:
        reply = await self._worlds.send(self._session, "Runtime.evaluate", {
            "expression": source, "contextId": self._context_id, "returnByValue": True,
            "silent": True})
        _raise_for(reply)

    async def call(self, function: str, arg: Any) -> Any:
        reply = await self._worlds.send(self._session, "Runtime.callFunctionOn", {
            "functionDeclaration": _json_call(function), "executionContextId": self._context_id,
            "arguments": [{"value": arg}], "returnByValue": True, "awaitPromise": True,
            "silent": True})
        _raise_for(reply)
        text = reply["result"].get("value")
        return json.loads(text) if text is not None else None

    async def child(self, selector: Any) -> FrameWorld | None:
        reply = await self._worlds.send(self._session, "Runtime.callFunctionOn", {
            "functionDeclaration": "function (s) { return axe.utils.shadowSelect(s); }",
            "executionContextId": self._context_id, "arguments": [{"value": selector}],
            "silent": True})
        _raise_for(reply)
        object_id = reply["result"].get("objectId")
        if object_id is None:
            return None
        try:
            node = await self._worlds.send(self._session, "DOM.describeNode",
                                           {"objectId": object_id})
        finally:
            await self._worlds.send(self._session, "Runtime.releaseObject",
                                    {"objectId": object_id})
        frame_id = node["node"].get("frameId")
        if not frame_id:
            return None
        return await self._worlds.world(frame_id, prefer=self._session)


class IsolatedWorlds:
    """The protocol sessions of one page, and an isolated world per frame on demand.

    Close it when the capture is done: it detaches the sessions it opened. A protocol call
    left unanswered by a renderer that crashed (or a page closed) fails at once, as
    Playwright's own calls do, rather than waiting out the call's timeout.
    """

    def __init__(self, page: Page, session: CDPSession) -> None:
        self._page = page
        self._main = session
        self._frame_sessions: dict[str, CDPSession] | None = None  # out-of-process frames
        self._gone: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        page.on("crash", self._on_crash)
        page.on("close", self._on_close)

    def _on_crash(self, _: Any) -> None:
        if not self._gone.done():
            self._gone.set_exception(PageScriptError("Target crashed"))

    def _on_close(self, _: Any) -> None:
        if not self._gone.done():
            self._gone.set_exception(PageScriptError("Target page, context or browser has "
                                                     "been closed"))

    async def send(self, session: CDPSession, method: str,
                   params: dict[str, Any] | None = None) -> dict[str, Any]:
        call: asyncio.Future[Any] = asyncio.ensure_future(session.send(method, params))
        await asyncio.wait([call, self._gone], return_when=asyncio.FIRST_COMPLETED)
        if not call.done():
            call.cancel()
            self._gone.result()  # raises: the page crashed or was closed
        reply: dict[str, Any] = call.result()
        return reply

    @classmethod
    async def open(cls, page: Page) -> IsolatedWorlds:
        return cls(page, await page.context.new_cdp_session(page))

    async def top(self) -> IsolatedWorld:
        tree = await self.send(self._main, "Page.getFrameTree")
        world = await self._create(self._main, tree["frameTree"]["frame"]["id"])
        if world is None:
            raise PageScriptError("the page's main frame has no isolated world")
        return world

    async def world(self, frame_id: str, prefer: CDPSession) -> IsolatedWorld | None:
        world = await self._create(prefer, frame_id)
        if world is not None:
            return world
        session = (await self._out_of_process()).get(frame_id)
        return await self._create(session, frame_id) if session is not None else None

    async def close(self) -> None:
        self._page.remove_listener("crash", self._on_crash)
        self._page.remove_listener("close", self._on_close)
        if self._gone.done():
            self._gone.exception()  # seen: no "exception never retrieved" warning
            return  # the sessions went with the target (detaching would wait for nothing)
        for session in [self._main, *(self._frame_sessions or {}).values()]:
            with contextlib.suppress(Exception):
                await session.detach()

    async def _create(self, session: CDPSession, frame_id: str) -> IsolatedWorld | None:
        try:
            reply = await self.send(session, "Page.createIsolatedWorld",
                                    {"frameId": frame_id, "worldName": WORLD_NAME})
        except Exception as exc:
            if "No frame" in str(exc) or "not found" in str(exc).lower():
                return None  # a frame of another renderer (or gone)
            raise
        return IsolatedWorld(self, session, reply["executionContextId"])

    async def _out_of_process(self) -> dict[str, CDPSession]:
        """Sessions of the page's out-of-process frames, by frame id (= their target id)."""
        if self._frame_sessions is None:
            self._frame_sessions = {}
            for frame in self._page.frames:
                if frame is self._page.main_frame or frame.is_detached():
                    continue
                try:
                    session = await self._page.context.new_cdp_session(frame)
                except Exception:
                    continue  # an in-process frame: it has no session of its own
                info = await self.send(session, "Target.getTargetInfo")
                self._frame_sessions[info["targetInfo"]["targetId"]] = session
        return self._frame_sessions


class MainWorld:
    """The page's own JavaScript world (Playwright's ``Frame.evaluate``): forgeable by the page.

    Not used for captures; the benchmark's baseline and the tests' proof that the hostile
    fixtures would forge an unprotected run.
    """

    def __init__(self, frame: Frame) -> None:
        self._frame = frame

    async def run(self, source: str) -> None:
        await self._frame.evaluate(source)

    async def call(self, function: str, arg: Any) -> Any:
        text = await self._frame.evaluate(f"({_json_call(function)})", arg)
        return json.loads(text) if text is not None else None

    async def child(self, selector: Any) -> FrameWorld | None:
        handle = await self._frame.evaluate_handle("(s) => axe.utils.shadowSelect(s)", selector)
        element = handle.as_element()
        frame = await element.content_frame() if element is not None else None
        await handle.dispose()
        return MainWorld(frame) if frame is not None else None
