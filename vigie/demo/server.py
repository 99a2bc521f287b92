"""Static-site server with programmable misbehaviours, for the demo and the test fixtures.

Standard library only: a ``ThreadingHTTPServer`` on 127.0.0.1 (free port) in a daemon thread.
An optional ``_behaviours.json`` at the site root maps URL paths to behaviours::

    {"/error.html": {"status": 500},
     "/busy.html": {"status": 429, "headers": {"Retry-After": "120"}},
     "/never.html": {"hang": true},
     "/loop-a": {"redirect": "/loop-b", "status": 302},
     "/big.html": {"big_mb": 50},
     "/download.bin": {"download": true},
     "/slow.html": {"delay": 1.5}}

``delay`` may be combined with any other behaviour (it is applied first) and ``headers`` are
added to whatever is answered. Other paths are served as static files.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import posixpath
import select
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from vigie.demo.catalog import SITES_DIR

Behaviour = dict[str, Any]

BEHAVIOURS_FILE = "_behaviours.json"
MAX_HANG_SECONDS = 120.0
SLEEP_STEP = 0.1  # every sleep is cut in steps this long so that stop() stays prompt
HANG_CONTENT_LENGTH = 1_000_000  # announced but never sent: the body cannot complete
STREAM_BLOCK = 64 * 1024

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

_FRENCH_REASONS = {
    400: "Requête incorrecte",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Page introuvable",
    410: "Page supprimée",
    429: "Trop de requêtes : veuillez réessayer plus tard",
    500: "Erreur interne du serveur",
    502: "Passerelle en erreur",
    503: "Service momentanément indisponible",
    504: "Délai d’attente de la passerelle dépassé",
}

_ERROR_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Erreur %(code)d</title></head>
<body><main><h1>Erreur %(code)d</h1><p>%(message)s</p><p>%(explain)s</p></main></body>
</html>
"""


def _french_reason(code: int) -> str:
    if code in _FRENCH_REASONS:
        return _FRENCH_REASONS[code]
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Erreur"


def normalise_path(path: str) -> str:
    """URL path as behaviours are keyed: no query string, percent-decoded, leading slash."""
    path = unquote(urlsplit(path).path) or "/"
    return path if path.startswith("/") else "/" + path


def load_behaviours(root: Path) -> dict[str, Behaviour]:
    """Read ``root/_behaviours.json`` (an empty mapping when absent)."""
    file = root / BEHAVIOURS_FILE
    if not file.is_file():
        return {}
    data = json.loads(file.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{file}: expected an object mapping paths to behaviour objects")
    return {normalise_path(k): v for k, v in data.items()}


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
    error_message_format = _ERROR_PAGE
    error_content_type = "text/html; charset=utf-8"
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
        self.send_error(HTTPStatus.NOT_FOUND, _french_reason(404))
        return None

    def send_head(self) -> Any:
        if posixpath.basename(normalise_path(self.path)) == BEHAVIOURS_FILE:
            self.send_error(HTTPStatus.NOT_FOUND, _french_reason(404))
            return None
        return super().send_head()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        super().send_error(code, message or _french_reason(int(code)), explain)

    def _sleep(self, seconds: float, *, watch_client: bool = False) -> bool:
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

    def _send_body(
        self, status: int, body: bytes, content_type: str, *, head: bool, **headers: str
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    # --- dispatch -------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def _dispatch(self, *, head: bool) -> None:
        self.site._record(self.command, self.path, self.headers.get("User-Agent"))
        behaviour = self.site.behaviour_for(self.path)
        if behaviour is None:
            self._extra_headers = {}
            self._static(head)
            return
        self._extra_headers = {str(k): str(v) for k, v in behaviour.get("headers", {}).items()}
        if behaviour.get("delay") and not self._sleep(float(behaviour["delay"])):
            self.close_connection = True
            return
        if behaviour.get("hang"):
            self._hang(behaviour, head)
        elif "redirect" in behaviour:
            self._redirect(behaviour, head)
        elif "big_mb" in behaviour:
            self._big(behaviour, head)
        elif behaviour.get("download"):
            self._download(behaviour, head)
        elif "status" in behaviour:
            self._status(behaviour, head)
        else:
            self._static(head)

    def _static(self, head: bool) -> None:
        if head:
            super().do_HEAD()
        else:
            super().do_GET()

    # --- behaviours -----------------------------------------------------------------------

    def _status(self, behaviour: Behaviour, head: bool) -> None:
        code = int(behaviour["status"])
        message = str(behaviour.get("message") or _french_reason(code))
        body = _ERROR_PAGE % {"code": code, "message": message, "explain": ""}
        self._send_body(code, body.encode("utf-8"), "text/html; charset=utf-8", head=head)

    def _redirect(self, behaviour: Behaviour, head: bool) -> None:
        target = str(behaviour["redirect"])
        body = (
            '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Redirection'
            f'</title></head><body><p>Cette page a été déplacée : <a href="{target}">'
            f"{target}</a>.</p></body></html>\n"
        )
        self._send_body(
            int(behaviour.get("status", 302)),
            body.encode("utf-8"),
            "text/html; charset=utf-8",
            head=head,
            Location=target,
        )

    def _hang(self, behaviour: Behaviour, head: bool) -> None:
        seconds = float(behaviour.get("seconds", MAX_HANG_SECONDS))
        self.close_connection = True
        if head:  # a HEAD answer has no body to leave unfinished: answer nothing at all
            self._sleep(seconds, watch_client=True)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(HANG_CONTENT_LENGTH))
        self.end_headers()
        self.wfile.write(
            '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            "<title>Chargement…</title></head><body><main><h1>Chargement en cours…</h1>\n".encode()
        )
        self.wfile.flush()
        self._sleep(seconds, watch_client=True)

    def _big(self, behaviour: Behaviour, head: bool) -> None:
        size = int(float(behaviour["big_mb"]) * 1024 * 1024)
        start = (
            '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Page très volumineuse</title></head><body><main>"
            "<h1>Page très volumineuse</h1>\n"
        ).encode()
        end = b"</main></body></html>\n"
        para = b"<p>Contenu de remplissage pour une page de test tres volumineuse.</p>\n"
        block = para * (STREAM_BLOCK // len(para))
        size = max(size, len(start) + len(end))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if head:
            return
        self.wfile.write(start)
        left = size - len(start) - len(end)
        while left > 0:
            if self.site.stopping:
                self.close_connection = True
                return
            # full blocks of paragraphs, then whitespace padding to the exact size
            chunk = block if left >= len(block) else b" " * left
            self.wfile.write(chunk)
            left -= len(chunk)
        self.wfile.write(end)

    def _download(self, behaviour: Behaviour, head: bool) -> None:
        path = normalise_path(self.path)
        filename = str(behaviour.get("filename") or posixpath.basename(path) or "fichier.bin")
        local = Path(self.translate_path(self.path))
        if local.is_file():
            body = local.read_bytes()
        else:  # deterministic pseudo-binary content
            size = int(float(behaviour.get("size_kb", 256)) * 1024)
            body = (bytes(range(256)) * (size // 256 + 1))[:size]
        self._send_body(
            200,
            body,
            str(behaviour.get("content_type", "application/octet-stream")),
            head=head,
            Content_Disposition=f'attachment; filename="{filename}"',
        )


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
        key = normalise_path(path)
        behaviours = self._behaviours
        if key in behaviours:
            return behaviours[key]
        if key.endswith("/"):
            return behaviours.get(key + "index.html")
        if key.endswith("/index.html"):
            return behaviours.get(key[: -len("index.html")])
        return None

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


class DemoSites:
    """One :class:`SiteServer` per subfolder of ``root`` (the bundled demo sites by default)."""

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        only: Iterable[str] | None = None,
        quiet: bool = True,
        https: Mapping[str, ssl.SSLContext] | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else SITES_DIR
        names = sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
        )
        if only is not None:
            wanted = set(only)
            unknown = wanted - set(names)
            if unknown:
                raise KeyError(f"unknown site(s) in {self.root}: {', '.join(sorted(unknown))}")
            names = [n for n in names if n in wanted]
        self.servers: dict[str, SiteServer] = {
            name: SiteServer(self.root / name, quiet=quiet, tls=(https or {}).get(name))
            for name in names
        }

    def start(self) -> DemoSites:
        try:
            for server in self.servers.values():
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> DemoSites:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __getitem__(self, name: str) -> SiteServer:
        return self.servers[name]

    @property
    def base_urls(self) -> dict[str, str]:
        """Folder name → base URL (no trailing slash) of every running site."""
        return {name: s.base_url for name, s in self.servers.items() if s.running}


def main(argv: list[str] | None = None) -> None:
    """``python -m vigie.demo.server [ROOT]``: serve every subfolder until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the demo sites on 127.0.0.1")
    parser.add_argument("root", nargs="?", default=str(SITES_DIR))
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    with DemoSites(args.root, quiet=not args.verbose) as sites:
        for name, url in sites.base_urls.items():
            print(f"{name:20} {url}/")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
