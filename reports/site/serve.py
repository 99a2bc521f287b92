"""``vigie serve``: the report folder over HTTP on localhost, with the report's CSP as a header."""

from __future__ import annotations

from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from os import PathLike
from pathlib import Path
from typing import Any, ClassVar

from reports.site.build import CSP


class ReportHandler(SimpleHTTPRequestHandler):
    """Static files only, with headers that keep a captured page's text inert in the browser."""

    extensions_map: ClassVar[dict[str, str]] = {  # type: ignore[misc]
        **SimpleHTTPRequestHandler.extensions_map,
        ".woff2": "font/woff2", ".woff": "font/woff", ".svg": "image/svg+xml"}

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def list_directory(self, path: str | PathLike[str]) -> None:
        """No listings: a folder without ``index.html`` is not found, like any missing page
        (a listing would show every file, including any a user left beside the report)."""
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per asset would drown the URL printed at start


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000
                ) -> ThreadingHTTPServer:
    """A server bound at once (port 0: a free one; read it from ``server_address``)."""
    handler = partial(ReportHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
