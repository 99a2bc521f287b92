"""The egress proxy: every request of the browser goes through it, and is checked before it leaves.

Chromium is launched with ``--proxy-server`` pointing here (crawler/run.py), so navigations,
redirect hops, sub-resources, ``fetch``/beacons, popups, workers and WebSockets all arrive as
either a ``CONNECT host:port`` (HTTPS, WSS, WS: TLS stays end to end, the proxy sees no content)
or an absolute-URI HTTP request (plain HTTP). For each one the proxy asks the visiting policy
(``EgressPolicy.decide``), which resolves the host once; the proxy then connects to that very
address, so a name cannot be rebound between the check and the connection. A refused request
gets an error answer and never reaches the network.

Plain HTTP is forwarded one request per client connection, with ``Connection: close`` both ways:
a kept-alive connection could otherwise carry a second request, to another host, unchecked.

Every decision goes to ``VerdictLog``: the crawler reads it to type a failed navigation (a
refused CONNECT shows in Chromium only as ``net::ERR_TUNNEL_CONNECTION_FAILED``) and to list the
refused sub-resources of a capture. The proxy runs in a thread of its own with its own event
loop: Scrapy's loop is busy with synchronous storage writes, and a proxy on it would stall the
browser. (proxy.py, the maintained proxy library, runs its acceptors in separate processes:
its verdicts would not be in the crawl's memory.)
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

import h11

from crawler.policy import EgressPolicy, Resolver, Verdict, VerdictKind, resolve

MAX_HEAD = 64 * 1024  # request and response heads larger than this are refused
CHUNK = 64 * 1024
HEAD_TIMEOUT = 15.0  # for the browser to send a request head
CONNECT_TIMEOUT = 15.0  # to the site
IDLE_TIMEOUT = 120.0  # a connection with no byte either way for this long is closed
# Hop-by-hop headers (RFC 9110 7.6.1) and the browser's proxy headers: never forwarded.
HOP_HEADERS = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization",
                         b"proxy-authenticate", b"te", b"trailer", b"upgrade"})
MARK_HEADER = b"x-vigie-egress"


class VerdictLog:
    """The proxy's decisions, newest last (bounded), shared between the proxy's thread and the
    crawl's."""

    def __init__(self, size: int = 20_000) -> None:
        self._lock = threading.Lock()
        self._verdicts: deque[Verdict] = deque(maxlen=size)

    def add(self, verdict: Verdict) -> None:
        with self._lock:
            self._verdicts.append(verdict)

    def since(self, start: float) -> list[Verdict]:
        with self._lock:
            return [v for v in self._verdicts if v.at >= start]

    def refused_since(self, start: float) -> list[Verdict]:
        return [v for v in self.since(start) if v.kind is VerdictKind.refused]

    def for_url(self, url: str, start: float) -> Verdict | None:
        """The latest decision since ``start`` about this URL (plain HTTP) or its host and port
        (CONNECT)."""
        try:
            parts = urlsplit(url)
            hostport = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        except ValueError:
            return None
        for verdict in reversed(self.since(start)):
            if verdict.target in (url, hostport):
                return verdict
        return None

    def failure_for(self, url: str, start: float) -> Verdict | None:
        """Why a navigation to ``url`` that the proxy failed failed: the failed decision about
        its own host, else the latest failed one since it started (a redirect hop's)."""
        own = self.for_url(url, start)
        if own is not None and own.kind is not VerdictKind.allowed:
            return own
        failed = [v for v in self.since(start) if v.kind is not VerdictKind.allowed]
        return failed[-1] if failed else None


class EgressProxy:
    """A forward proxy on 127.0.0.1 (a free port), in its own thread; a context manager."""

    def __init__(self, policy: EgressPolicy, *, resolver: Resolver = resolve,
                 connect_timeout: float = CONNECT_TIMEOUT, idle_timeout: float = IDLE_TIMEOUT,
                 log: VerdictLog | None = None) -> None:
        self.policy = policy
        self.resolver = resolver
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        self.log = log or VerdictLog()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failed: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> EgressProxy:
        self._thread = threading.Thread(target=self._run, name="vigie-egress", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._failed or not self.port:
            raise RuntimeError(f"the egress proxy did not start: {self._failed}")
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> EgressProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            server = loop.run_until_complete(
                asyncio.start_server(self._client, "127.0.0.1", 0, limit=CHUNK))
            self.port = server.sockets[0].getsockname()[1]
        except BaseException as exc:  # told to start(), which raises
            self._failed = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    # -- one client connection -------------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        try:
            request = await asyncio.wait_for(_next_event(conn, reader), HEAD_TIMEOUT)
            if isinstance(request, h11.Request):
                if request.method == b"CONNECT":
                    await self._tunnel(conn, request, reader, writer)
                else:
                    await self._forward(conn, request, reader, writer)
        except h11.RemoteProtocolError as exc:
            await _answer(conn, writer, exc.error_status_hint, f"bad request: {exc}")
        except (TimeoutError, OSError, h11.LocalProtocolError, asyncio.IncompleteReadError):
            pass  # the browser or the site went away: nothing to tell anyone
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _decide(self, target: str, host: str, port: int) -> Verdict:
        if _is_literal(host):  # nothing to resolve: no thread hop
            return self.policy.decide(target, host, port, self.resolver)
        loop = asyncio.get_running_loop()  # resolution blocks: in the default executor
        return await loop.run_in_executor(None, self.policy.decide, target, host, port,
                                          self.resolver)

    async def _open(self, verdict: Verdict
                    ) -> tuple[Verdict, tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]:
        """The upstream connection, to the pinned address; the verdict as logged."""
        if verdict.kind is VerdictKind.allowed and verdict.address:
            try:
                streams = await asyncio.wait_for(
                    asyncio.open_connection(verdict.address, verdict.port, limit=CHUNK),
                    self.connect_timeout)
            except (OSError, TimeoutError) as exc:
                reason = f"{verdict.host} ({verdict.address}) port {verdict.port}: " + (
                    "no answer" if isinstance(exc, TimeoutError) else str(exc.strerror or exc))
                verdict = Verdict(verdict.target, verdict.host, verdict.port,
                                  VerdictKind.unreachable, reason, verdict.address)
            else:
                self.log.add(verdict)
                return verdict, streams
        self.log.add(verdict)
        return verdict, None

    async def _tunnel(self, conn: h11.Connection, request: h11.Request,
                      reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = request.target.decode("ascii", "replace")
        host, _, port_text = target.rpartition(":")
        if not host or not port_text.isdigit():
            await _answer(conn, writer, 400, f"bad CONNECT target {target!r}")
            return
        verdict, streams = await self._open(await self._decide(target, host, int(port_text)))
        if streams is None:
            await _answer(conn, writer, _STATUS[verdict.kind], verdict.reason)
            return
        up_reader, up_writer = streams
        await _next_event(conn, reader)  # a CONNECT's (empty) end: h11 then allows the switch
        writer.write(conn.send(h11.Response(status_code=200, headers=[])) or b"")
        early, _closed = conn.trailing_data
        try:
            if early:
                up_writer.write(early)
            await self._relay(reader, writer, up_reader, up_writer)
        finally:
            up_writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter) -> None:
        """Bytes both ways until either side closes or nothing moves for ``idle_timeout``."""
        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while data := await asyncio.wait_for(src.read(CHUNK), self.idle_timeout):
                dst.write(data)
                await dst.drain()

        tasks = [asyncio.ensure_future(pipe(reader, up_writer)),
                 asyncio.ensure_future(pipe(up_reader, writer))]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _forward(self, conn: h11.Connection, request: h11.Request,
                       reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        url = request.target.decode("ascii", "replace")
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port or 80
        except ValueError:
            parts, host, port = None, None, 80
        if parts is None or parts.scheme != "http" or not host:
            await _answer(conn, writer, 400, f"not an absolute http URL: {url[:200]!r}")
            return
        verdict, streams = await self._open(await self._decide(url, host, port))
        if streams is None:
            await _answer(conn, writer, _STATUS[verdict.kind], verdict.reason)
            return
        up_reader, up_writer = streams
        upstream = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        try:
            path = parts.path or "/"
            headers = [*_end_to_end(request.headers), (b"connection", b"close")]
            up_writer.write(upstream.send(h11.Request(
                method=request.method, target=path + (f"?{parts.query}" if parts.query else ""),
                headers=headers)) or b"")
            while True:  # the request body, as it comes
                event = await asyncio.wait_for(_next_event(conn, reader), self.idle_timeout)
                if not isinstance(event, h11.Data | h11.EndOfMessage):
                    return  # the browser went away mid-request
                up_writer.write(upstream.send(event) or b"")
                if isinstance(event, h11.EndOfMessage):
                    break
            await up_writer.drain()
            while True:  # the response, as it comes
                event = await asyncio.wait_for(_next_event(upstream, up_reader),
                                               self.idle_timeout)
                if isinstance(event, h11.InformationalResponse):
                    if event.status_code != 101:
                        writer.write(conn.send(event) or b"")
                    continue
                if isinstance(event, h11.Response):
                    event = h11.Response(
                        status_code=event.status_code, reason=event.reason,
                        headers=[*_end_to_end(event.headers), (b"connection", b"close")])
                if not isinstance(event, h11.Response | h11.Data | h11.EndOfMessage):
                    return  # the site closed the connection without an answer
                writer.write(conn.send(event) or b"")
                await writer.drain()
                if isinstance(event, h11.EndOfMessage):
                    break
        finally:
            up_writer.close()


def _is_literal(host: str) -> bool:
    """An IP address as Chromium sends it (dotted IPv4, bracketed IPv6)."""
    try:
        ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


_STATUS = {VerdictKind.refused: 403, VerdictKind.dns: 502, VerdictKind.unreachable: 502}


def _end_to_end(headers: Sequence[tuple[bytes, bytes]]) -> Iterator[tuple[bytes, bytes]]:
    """The headers without hop-by-hop ones (and those the Connection header names)."""
    named = {token.strip().lower() for name, value in headers if name.lower() == b"connection"
             for token in value.split(b",")}
    for name, value in headers:
        if name.lower() not in HOP_HEADERS and name.lower() not in named:
            yield name, value


async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader
                      ) -> h11.Event | type[h11.PAUSED]:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event  # type: ignore[return-value]  # NEED_DATA excluded
        conn.receive_data(await reader.read(CHUNK))


async def _answer(conn: h11.Connection, writer: asyncio.StreamWriter, status: int,
                  reason: str) -> None:
    """An error answer from the proxy itself (refusal, DNS failure, site unreachable)."""
    if conn.our_state is not h11.SEND_RESPONSE:
        return
    body = f"Vigie egress control: {reason}\n".encode()
    kind = b"refused" if status == 403 else b"failed"
    with contextlib.suppress(h11.LocalProtocolError, OSError):
        writer.write(conn.send(h11.Response(status_code=status, headers=[
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
            (MARK_HEADER, kind)])) or b"")
        writer.write(conn.send(h11.Data(data=body)) or b"")
        writer.write(conn.send(h11.EndOfMessage()) or b"")
        await writer.drain()
