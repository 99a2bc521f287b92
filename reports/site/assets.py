"""Static files (vendored DSFR, Vigie's own stylesheet) and screenshots copied into the site."""

from __future__ import annotations

from pathlib import Path

from reports.site.folder import ReportFolder
from storage.artifacts import Artifacts

STATIC = Path(__file__).resolve().parent.parent / "static"


def copy_static(folder: ReportFolder) -> None:
    """``reports/static`` → ``DIR/assets``; files a previous build copied and this one does not
    (an updated DSFR) are removed with the folder's other stale files."""
    folder.copy_tree(STATIC, "assets")


def copy_screenshot(artifacts: Artifacts, sha256: str | None, folder: ReportFolder
                    ) -> str | None:
    """Copy one screenshot as ``captures/<sha256>.png``; its name, or None when not stored.

    Named by hash like the artifact store: a page cannot choose a file name, and a screenshot
    shared by several captures (or runs) is copied once.
    """
    if not sha256 or not artifacts.exists(sha256, "png"):
        return None
    name = f"{sha256}.png"
    target = folder.target(f"captures/{name}")
    if not target.is_file() or target.is_symlink():
        target.unlink(missing_ok=True)
        target.write_bytes(artifacts.get(sha256, "png"))
    return name
