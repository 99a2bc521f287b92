"""Static files (vendored DSFR, Vigie's own stylesheet) and screenshots copied into the site."""

from __future__ import annotations

import shutil
from pathlib import Path

from storage.artifacts import Artifacts

STATIC = Path(__file__).resolve().parent.parent / "static"


def copy_static(dest: Path) -> None:
    """``reports/static`` → ``DIR/assets`` (replaced, so an updated DSFR leaves no stale file)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(STATIC, dest)


def copy_screenshot(artifacts: Artifacts, sha256: str | None, captures_dir: Path
                    ) -> str | None:
    """Copy one screenshot as ``captures/<sha256>.png``; its name, or None when not stored.

    Named by hash like the artifact store: a page cannot choose a file name, and a screenshot
    shared by several captures (or runs) is copied once.
    """
    if not sha256 or not artifacts.exists(sha256, "png"):
        return None
    name = f"{sha256}.png"
    target = captures_dir / name
    if not target.exists():
        captures_dir.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifacts.get(sha256, "png"))
    return name
