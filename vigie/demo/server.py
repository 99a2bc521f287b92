"""Static-site server on 127.0.0.1 (HTTP or HTTPS), for the demo and the test fixtures.

Standard library only: a ``ThreadingHTTPServer`` (free port by default) in a daemon thread.
Paths with a behaviour (``vigie.demo.behaviours``) get hostile or faulty answers; the others
are served as static files. ``vigie.demo.sites`` serves a folder of sites, one server each.
"""

from __future__ import annotations

import os
import posixpath
import select
import socket
import ssl
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from vigie.demo.behaviours import (
    BEHAVIOURS_FILE,
    MAX_HANG_SECONDS,
    Behaviour,
    answer,
    extra_headers,
    find_behaviour,
    load_behaviours,
    normalise_path,
)
from vigie.demo.pages import ERROR_CONTENT_TYPE, ERROR_PAGE, french_reason

SLEEP_STEP = 0.1  # every sleep is cut in steps this long so that stop() stays prompt

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".woff2": "font/woff2",
    ".bin": "application/octet-stream",
}


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # as requested, query string included
    user_agent: str | None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # server_close() must not wait for hanging handlers

    def __init__(
        self,
        address: tuple[str, int],
        handler: Any,
        *,
        site: SiteServer,
    ) -> None:
        self.site = site
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients giving up (timeouts, aborted downloads) are normal here; real bugs are shown.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or self.site.stopping:
            return
        super().handle_error(request, client_address)


class _Handler(SimpleHTTPRequestHandler):
    server: _HTTPServer
    error_message_format = ERROR_PAGE
    error_content_type = ERROR_CONTENT_TYPE
    server_version = "VigieDemo/1.0"

    _extra_headers: Mapping[str, str] = {}

    # --- plumbing -------------------------------------------------------------------------

    @property
    def site(self) -> SiteServer:
        return self.server.site

    def log_message(self, format: str, *args: Any) -> None:
        if not self.site.quiet:
            super().log_message(format, *args)

    def end_headers(self) -> None:
        for name, value in self._extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        ext = posixpath.splitext(os.fspath(path))[1].lower()
        return _CONTENT_TYPES.get(ext) or super().guess_type(path)

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(HTTPStatus.NOT_FOUND, french_reason(404))
        return None

    def send_head(self) -> Any:
        if posixpath.basename(normalise_path(self.path)) == BEHAVIOURS_FILE:
            self.send_error(HTTPStatus.NOT_FOUND, french_reason(404))
            return None
        return super().send_head()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        super().send_error(code, message or french_reason(int(code)), explain)

    # --- what behaviours use (``vigie.demo.behaviours.Exchange``) ---------------------------

    @property
    def stopping(self) -> bool:
        return self.site.stopping

    def sleep(self, seconds: float, *, watch_client: bool = False) -> bool:
        """Sleep in small steps; False when the server stops or (if watched) the client leaves."""
        deadline = time.monotonic() + max(0.0, min(seconds, MAX_HANG_SECONDS))
        while not self.site.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            step = min(SLEEP_STEP, left)
            if watch_client and self._client_gone(step):
                return False
            if not watch_client:
                time.sleep(step)
        return False

    def _client_gone(self, timeout: float) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], timeout)
            if not readable:
                return False
            if self.connection.recv(1, socket.MSG_PEEK) == b"":
                return True
            time.sleep(timeout)  # the client sent more data: not gone, avoid spinning
            return False
        except (OSError, ValueError):
            return True

    # --- dispatch -------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        """Recorded like any request (a beacon or a form is a hit too); answered 204."""
        self.site._record(self.command, self.path, self.headers.get("User-Agent"))
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 1 << 20))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _dispatch(self, *, head: bool) -> None:
        self.site._record(self.command, self.path, self.headers.get("User-Agent"))
        behaviour = self.site.behaviour_for(self.path)
        self._extra_headers = extra_headers(behaviour)
        if behaviour is None or not answer(self, behaviour, head):
            self._static(head)

    def _static(self, head: bool) -> None:
        if head:
            super().do_HEAD()
        else:
            super().do_GET()


class SiteServer:
    """Serve one directory on 127.0.0.1 (free port) in a daemon thread.

    ``behaviours`` (path → behaviour) override those of ``_behaviours.json``; both can be
    changed while running with :meth:`set_behaviour`. Requests are recorded in ``requests``.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        behaviours: Mapping[str, Behaviour] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        quiet: bool = True,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.tls = tls
        if not self.root.is_dir():
            raise NotADirectoryError(str(self.root))
        self.host = host
        self.quiet = quiet
        self._port = port
        self._behaviours = load_behaviours(self.root)
        for path, behaviour in (behaviours or {}).items():
            self._behaviours[normalise_path(path)] = dict(behaviour)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[RequestRecord] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> SiteServer:
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stop.clear()
        handler = partial(_Handler, directory=str(self.root))
        self._httpd = _HTTPServer((self.host, self._port), handler, site=self)
        if self.tls is not None:
            # Handshake in the handler's thread, so a slow client never blocks accept().
            self._httpd.socket = self.tls.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"site-server-{self.root.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving; sleeping handlers notice within ``SLEEP_STEP`` and close their socket."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stop.set()
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout)
        self._httpd = self._thread = None

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    # --- addresses ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """E.g. ``http://127.0.0.1:43123`` (no trailing slash)."""
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # --- behaviours and request log -------------------------------------------------------

    @property
    def behaviours(self) -> dict[str, Behaviour]:
        return dict(self._behaviours)

    def set_behaviour(self, path: str, behaviour: Behaviour | None) -> None:
        """Add, replace or (with None) remove the behaviour of ``path``."""
        key = normalise_path(path)
        with self._lock:
            if behaviour is None:
                self._behaviours.pop(key, None)
            else:
                self._behaviours[key] = dict(behaviour)

    def behaviour_for(self, path: str) -> Behaviour | None:
        return find_behaviour(self._behaviours, path)

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    def requested_paths(self) -> list[str]:
        """Paths requested so far (query strings removed), in order."""
        return [normalise_path(r.path) for r in self.requests]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, method: str, path: str, user_agent: str | None) -> None:
        with self._lock:
            self._requests.append(RequestRecord(method, path, user_agent))



if __name__ == "__main__":  # ``python -m vigie.demo.server [ROOT]``, kept from before the split
    from vigie.demo.sites import main

    main()
