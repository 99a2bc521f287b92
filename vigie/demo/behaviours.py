"""Hostile and faulty answers ("behaviours") of the demo server, keyed by URL path.

An optional ``_behaviours.json`` at a site's root maps URL paths to behaviours::

    {"/error.html": {"status": 500},
     "/busy.html": {"status": 429, "headers": {"Retry-After": "120"}},
     "/never.html": {"hang": true},
     "/loop-a": {"redirect": "/loop-b", "status": 302},
     "/big.html": {"big_mb": 50},
     "/download.bin": {"download": true},
     "/slow.html": {"delay": 1.5},
     "/flux.html": {"endless": true},
     "/contact.html": {"shell": "/index.html"}}

``delay`` may be combined with any other behaviour (it is applied first) and ``headers`` are
added to whatever is answered. :data:`MISBEHAVIOURS` lists the others, in the order they are
tried; a behaviour with none of them serves the static file.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from io import BufferedIOBase
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from vigie.demo.pages import ERROR_CONTENT_TYPE, error_page, french_reason

Behaviour = dict[str, Any]

BEHAVIOURS_FILE = "_behaviours.json"
MAX_HANG_SECONDS = 120.0  # also caps every delay
HANG_CONTENT_LENGTH = 1_000_000  # announced but never sent: the body cannot complete
STREAM_BLOCK = 64 * 1024


class Exchange(Protocol):
    """The request being answered, as a behaviour sees it (the server's request handler)."""

    path: str
    close_connection: bool
    wfile: BufferedIOBase

    @property
    def stopping(self) -> bool: ...

    def send_response(self, code: int, message: str | None = None) -> None: ...

    def send_header(self, keyword: str, value: str) -> None: ...

    def end_headers(self) -> None: ...

    def translate_path(self, path: str) -> str: ...

    def sleep(self, seconds: float, *, watch_client: bool = False) -> bool:
        """Wait (at most ``MAX_HANG_SECONDS``); False when the server stops or, if watched,
        the client leaves."""
        ...


# --- where behaviours come from ----------------------------------------------------------


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


def find_behaviour(behaviours: Mapping[str, Behaviour], path: str) -> Behaviour | None:
    """The behaviour of ``path``; a folder and its ``index.html`` are the same page."""
    key = normalise_path(path)
    if key in behaviours:
        return behaviours[key]
    if key.endswith("/"):
        return behaviours.get(key + "index.html")
    if key.endswith("/index.html"):
        return behaviours.get(key[: -len("index.html")])
    return None


def extra_headers(behaviour: Behaviour | None) -> dict[str, str]:
    """The ``headers`` added to whatever is answered."""
    return {str(k): str(v) for k, v in (behaviour or {}).get("headers", {}).items()}


# --- answering ---------------------------------------------------------------------------


def answer(exchange: Exchange, behaviour: Behaviour, head: bool) -> bool:
    """Answer as ``behaviour`` says; False when the static file is still to be served."""
    if behaviour.get("delay") and not exchange.sleep(float(behaviour["delay"])):
        exchange.close_connection = True
        return True
    for misbehaviour in MISBEHAVIOURS:
        if misbehaviour.applies(behaviour):
            misbehaviour.respond(exchange, behaviour, head)
            return True
    return False


def _send_body(
    exchange: Exchange, status: int, body: bytes, content_type: str, *, head: bool, **headers: str
) -> None:
    exchange.send_response(status)
    exchange.send_header("Content-Type", content_type)
    exchange.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        exchange.send_header(name.replace("_", "-"), value)
    exchange.end_headers()
    if not head:
        exchange.wfile.write(body)


def status(exchange: Exchange, behaviour: Behaviour, head: bool) -> None:
    """``status``: that code with a French error page (``message`` replaces the reason)."""
    code = int(behaviour["status"])
    message = str(behaviour.get("message") or french_reason(code))
    body = error_page(code, message).encode("utf-8")
    _send_body(exchange, code, body, ERROR_CONTENT_TYPE, head=head)


def redirect(exchange: Exchange, behaviour: Behaviour, head: bool) -> None:
    """``redirect``: to that location, with ``status`` (302 by default); loops are allowed."""
    target = str(behaviour["redirect"])
    body = (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Redirection'
        f'</title></head><body><p>Cette page a été déplacée : <a href="{target}">'
        f"{target}</a>.</p></body></html>\n"
    )
    _send_body(
        exchange,
        int(behaviour.get("status", 302)),
        body.encode("utf-8"),
        "text/html; charset=utf-8",
        head=head,
        Location=target,
    )


def hang(exchange: Exchange, behaviour: Behaviour, head: bool) -> None:
    """``hang``: headers and the start of the page, then nothing for ``seconds`` (at most
    ``MAX_HANG_SECONDS``), and the connection closed with the body incomplete."""
    seconds = float(behaviour.get("seconds", MAX_HANG_SECONDS))
    exchange.close_connection = True
    if head:  # a HEAD answer has no body to leave unfinished: answer nothing at all
        exchange.sleep(seconds, watch_client=True)
        return
    exchange.send_response(200)
    exchange.send_header("Content-Type", "text/html; charset=utf-8")
    exchange.send_header("Content-Length", str(HANG_CONTENT_LENGTH))
    exchange.end_headers()
    exchange.wfile.write(
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        "<title>Chargement…</title></head><body><main><h1>Chargement en cours…</h1>\n".encode()
    )
    exchange.wfile.flush()
    exchange.sleep(seconds, watch_client=True)


def big_page(exchange: Exchange, behaviour: Behaviour, head: bool) -> None:
    """``big_mb``: a valid HTML page of that many MiB, streamed."""
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
    exchange.send_response(200)
    exchange.send_header("Content-Type", "text/html; charset=utf-8")
    exchange.send_header("Content-Length", str(size))
    exchange.end_headers()
    if head:
        return
    exchange.wfile.write(start)
    left = size - len(start) - len(end)
    while left > 0:
        if exchange.stopping:
            exchange.close_connection = True
            return
        # full blocks of paragraphs, then whitespace padding to the exact size
        chunk = block if left >= len(block) else b" " * left
        exchange.wfile.write(chunk)
        left -= len(chunk)
    exchange.wfile.write(end)


def endless(exchange: Exchange, behaviour: Behaviour, head: bool) -> None:
    """``endless``: a page streamed in chunks that never ends, until the client leaves or
    the server stops (no length announced: only the reader's budget stops it)."""
    exchange.close_connection = True
    exchange.send_response(200)
    exchange.send_header("Content-Type", "text/html; charset=utf-8")
    exchange.end_headers()
    if head:
        return
    exchange.wfile.write(
        b'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        b"<title>Flux sans fin</title></head><body><main><h1>Flux sans fin</h1>\n")
    line = "<p>Actualité n° {} : la démarche reste disponible.</p>\n"
    count = 0
    while not exchange.stopping:
        try:
            exchange.wfile.write(line.format(count).encode() * 64)
            exchange.wfile.flush()
        except OSError:  # the client left
            return
        count += 1
        if not exchange.sleep(0.05, watch_client=True):
            return


def shell(exchange: Exchange, behaviour: Behaviour, head: bool) -> None:
    """``shell``: another file of the site, answered 200 as HTML, as a single-page application's
    server answers every route with its one shell page (history fallback)."""
    local = Path(exchange.translate_path(str(behaviour["shell"])))
    body = local.read_bytes()
    _send_body(exchange, 200, body, "text/html; charset=utf-8", head=head)


def download(exchange: Exchange, behaviour: Behaviour, head: bool) -> None:
    """``download``: an attachment (``filename``, ``content_type``): the file if it exists,
    else ``size_kb`` (256) of deterministic pseudo-binary content."""
    path = normalise_path(exchange.path)
    filename = str(behaviour.get("filename") or posixpath.basename(path) or "fichier.bin")
    local = Path(exchange.translate_path(exchange.path))
    if local.is_file():
        body = local.read_bytes()
    else:
        size = int(float(behaviour.get("size_kb", 256)) * 1024)
        body = (bytes(range(256)) * (size // 256 + 1))[:size]
    _send_body(
        exchange,
        200,
        body,
        str(behaviour.get("content_type", "application/octet-stream")),
        head=head,
        Content_Disposition=f'attachment; filename="{filename}"',
    )


@dataclass(frozen=True)
class Misbehaviour:
    key: str  # the behaviour key that selects it
    respond: Callable[[Exchange, Behaviour, bool], None]
    switch: bool = False  # selected by a true value, not by the key's mere presence

    def applies(self, behaviour: Behaviour) -> bool:
        return bool(behaviour.get(self.key)) if self.switch else self.key in behaviour


# Tried in this order: ``status`` comes last since ``redirect`` uses it too.
MISBEHAVIOURS: tuple[Misbehaviour, ...] = (
    Misbehaviour("hang", hang, switch=True),
    Misbehaviour("redirect", redirect),
    Misbehaviour("big_mb", big_page),
    Misbehaviour("endless", endless, switch=True),
    Misbehaviour("download", download, switch=True),
    Misbehaviour("shell", shell),
    Misbehaviour("status", status),
)
