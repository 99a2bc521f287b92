"""Launch Chromium as Vigie does, render a page, and report whether its renderers are sandboxed.

Run as ``python -m tests.sandbox_probe`` (by tests/test_browser_sandbox.py, possibly as another
user); prints one JSON line: the effective uid, the switches, the page's text and, for each
renderer process of this browser, its ``Seccomp`` mode (2: a seccomp-bpf filter, the mark of
Chromium's sandbox; 0: none).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

from core.settings import Settings
from crawler.browser import find_browser


def descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def seccomp_of_renderers() -> dict[int, int]:
    modes = {}
    for pid in descendants(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if b"--type=renderer" in command:
            modes[pid] = next(int(line.split()[1]) for line in status.splitlines()
                              if line.startswith("Seccomp:"))
    return modes


def main() -> None:
    settings = Settings.from_env()
    options = find_browser(settings.browser_path).launch_options(settings.browser_args,
                                                                 settings.browser_sandbox)
    with sync_playwright() as p:
        browser = p.chromium.launch(**options)
        page = browser.new_page()
        page.set_content("<main lang='fr'><h1>Demande d’aide au logement</h1></main>")
        text = page.inner_text("h1")
        modes = seccomp_of_renderers()
        browser.close()
    print(json.dumps({"uid": os.geteuid(), "args": options["args"], "text": text,
                      "seccomp": sorted(set(modes.values()))}))


if __name__ == "__main__":
    main()
