"""Content-addressed artifacts: screenshots, HTML, axe and collector results.

Everything else in Vigie goes through ``Artifacts``, so another store can replace the local
folder (an S3-compatible object store for workers on several machines: docs/operations.md,
« Artifacts »). The local store writes ``<root>/ab/cd/<sha256>.<ext>``. The name is the hash of
the bytes, never a URL or title from a page, so hostile content cannot choose a path, and the
same screenshot stored twice takes one file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

EXTENSIONS = {"html": "html", "png": "png", "json": "json"}


class Artifacts(Protocol):
    """What Vigie needs of an artifact store. Writes are idempotent (same bytes, same name);
    ``get`` raises ``FileNotFoundError`` for an artifact that is not there."""

    def put(self, data: bytes, ext: str) -> str: ...

    def put_json(self, obj: Any) -> str: ...

    def get(self, sha256: str, ext: str) -> bytes: ...

    def get_json(self, sha256: str) -> Any: ...

    def exists(self, sha256: str, ext: str) -> bool: ...


def json_bytes(obj: Any) -> bytes:
    """``obj`` as compact UTF-8 JSON. A page's text may hold a lone surrogate, which UTF-8
    cannot encode: such a document is written with ASCII escapes instead (``\\ud800``), which
    read back as the very same string."""
    options: dict[str, Any] = {"sort_keys": True, "separators": (",", ":")}
    try:
        return json.dumps(obj, ensure_ascii=False, **options).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True, **options).encode("ascii")


class ArtifactStore:
    """The local implementation: a folder shared by every process of one machine."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str, ext: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.{EXTENSIONS[ext]}"

    def put(self, data: bytes, ext: str) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha, ext)
        if path.exists():
            return sha
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a killed process never leaves a half file under a valid name.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def put_json(self, obj: Any) -> str:
        return self.put(json_bytes(obj), "json")

    def get(self, sha256: str, ext: str) -> bytes:
        return self.path_for(sha256, ext).read_bytes()

    def exists(self, sha256: str, ext: str) -> bool:
        try:
            return self.path_for(sha256, ext).is_file()
        except ValueError:
            return False

    def get_json(self, sha256: str) -> Any:
        return json.loads(self.get(sha256, "json"))
