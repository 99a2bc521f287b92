"""The report folder: Vigie writes into a new or empty folder, or into a report it wrote
before, and deletes only files it wrote itself.

``vigie report --out DIR`` is often pointed at a folder that already exists (a web server's
root, a shared drive). A manifest, ``DIR/.vigie-report.json``, lists the files the last build
wrote: a rebuild removes those it no longer writes (an updated DSFR, an older run's
screenshots) and nothing else. A folder holding other files and no manifest is refused before
anything is written: Vigie would overwrite its ``index.html``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path, PurePosixPath

from core.errors import BadInput

MANIFEST = ".vigie-report.json"
# Reports written before the manifest existed are recognised by these two files.
LEGACY_MARKS = ("index.html", "assets/vigie.css")


class ForeignFolder(BadInput):
    """The report folder holds files that Vigie did not write."""


class ReportFolder:
    """Where a report is written; every write goes through it and is listed in the manifest."""

    def __init__(self, root: Path, previous: set[str]) -> None:
        self.root = root
        self.previous = previous  # files the last build wrote (relative POSIX paths)
        self.written: set[str] = set()

    @classmethod
    def claim(cls, root: Path) -> ReportFolder:
        """Open ``root`` for a new build, or raise `ForeignFolder` (nothing written)."""
        previous = check_folder(root)
        root.mkdir(parents=True, exist_ok=True)
        folder = cls(root, previous)
        folder.save_manifest(previous)  # claimed now: a build that dies can be redone here
        return folder

    def target(self, relative: str) -> Path:
        """The path to write ``relative`` to (its folder made), now listed as Vigie's."""
        self.written.add(relative)
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_text(self, relative: str, text: str) -> Path:
        path = self.target(relative)
        path.write_text(text, encoding="utf-8")
        return path

    def copy_tree(self, source: Path, relative: str) -> None:
        """Every file under ``source`` into ``relative/`` (files of the same name replaced)."""
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            shutil.copyfile(file, self.target(f"{relative}/{file.relative_to(source).as_posix()}"))

    def finish(self) -> None:
        """Remove what the last build wrote and this one did not, then list this build."""
        for relative in sorted(self.previous - self.written):
            path = self.root / relative
            if path.is_file() and not path.is_symlink():
                path.unlink()
                _remove_empty_parents(path.parent, self.root)
        self.save_manifest(self.written)

    def save_manifest(self, files: set[str]) -> None:
        document = {"written_by": "vigie report", "files": sorted(files)}
        (self.root / MANIFEST).write_text(json.dumps(document, indent=1) + "\n",
                                          encoding="utf-8")


def check_folder(root: Path) -> set[str]:
    """The files a previous build of ``root`` listed; `ForeignFolder` when ``root`` is a file
    or holds files that Vigie did not write."""
    if root.exists() and not root.is_dir():
        raise ForeignFolder(f"{root} is a file, not a folder")
    previous = previous_files(root)
    if previous is None:
        raise ForeignFolder(
            f"{root} holds files that Vigie did not write ({_sample(root)}): choose a new or "
            "empty folder. Vigie writes a report only into an empty folder or one holding a "
            f"report it wrote (listed in {MANIFEST}), and never deletes nor overwrites other "
            "files")
    return previous


def previous_files(root: Path) -> set[str] | None:
    """The files a previous build listed (empty for a new, empty or older Vigie folder); None
    when ``root`` holds files that are not a Vigie report. Hidden entries (``.git``,
    ``.DS_Store``) do not count: Vigie writes none but its manifest."""
    if not root.is_dir():
        return set()
    manifest = root / MANIFEST
    if manifest.is_file():
        return _listed(manifest)
    if all((root / mark).is_file() for mark in LEGACY_MARKS):
        return set()
    if any(not entry.name.startswith(".") for entry in root.iterdir()):
        return None
    return set()


def _listed(manifest: Path) -> set[str]:
    """The manifest's files that are safe to delete: relative, inside the folder."""
    try:
        files = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()  # unreadable: ours, but nothing known to remove
    safe = set()
    for name in files if isinstance(files, list) else []:
        path = PurePosixPath(str(name))
        if name and not path.is_absolute() and ".." not in path.parts and "\\" not in str(name):
            safe.add(path.as_posix())
    return safe


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _sample(root: Path) -> str:
    names = sorted(entry.name for entry in root.iterdir() if not entry.name.startswith("."))
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")
