"""Find a Chromium to drive: configured path, else Playwright's own build, else the system's."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

SYSTEM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserNotFound(RuntimeError):
    pass


@dataclass(frozen=True)
class BrowserChoice:
    executable: str | None  # None: let Playwright launch its own build
    source: str  # "configured", "playwright" or "system"

    def launch_options(self, args: tuple[str, ...], sandbox: bool = True) -> dict[str, object]:
        """Playwright's launch options; Chromium's sandbox is on unless ``sandbox`` is False
        or Vigie runs as root (Chromium refuses to start sandboxed as root). Playwright adds
        ``--no-sandbox`` itself unless ``chromium_sandbox`` is set, hence both."""
        switches = sandbox_args(args, sandbox)
        options: dict[str, object] = {
            "headless": True, "args": switches,
            "chromium_sandbox": "--no-sandbox" not in switches,
            # Playwright turns Chromium's popup blocker off; on, a page's window.open and
            # scripted target=_blank clicks (no user gesture in a capture) open nothing.
            "ignore_default_args": ["--disable-popup-blocking"],
        }
        if self.executable:
            options["executable_path"] = self.executable
        return options


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def sandbox_args(args: tuple[str, ...], sandbox: bool = True) -> list[str]:
    """``args``, with ``--no-sandbox`` added when the sandbox is off or cannot start."""
    if (not sandbox or running_as_root()) and "--no-sandbox" not in args:
        return ["--no-sandbox", *args]
    return list(args)


def playwright_chromium_path() -> str | None:
    """Where Playwright's own Chromium would be, if it has been installed (None otherwise)."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:
        return None
    return path if path and os.path.exists(path) else None


def find_browser(configured: str = "") -> BrowserChoice:
    if configured:
        path = shutil.which(configured) or configured
        if not os.path.exists(path):
            raise BrowserNotFound(
                f"browser_path {configured!r} (VIGIE_BROWSER_PATH) does not exist"
            )
        return BrowserChoice(path, "configured")
    if playwright_chromium_path():
        return BrowserChoice(None, "playwright")
    for name in SYSTEM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return BrowserChoice(found, "system")
    raise BrowserNotFound(
        "no Chromium found: run `playwright install chromium`, install your system's chromium "
        "package (Debian: apt-get install chromium), or set VIGIE_BROWSER_PATH"
    )


if __name__ == "__main__":  # `python -m crawler.browser`: print the browser Vigie would use
    import sys

    try:
        choice = find_browser(os.environ.get("VIGIE_BROWSER_PATH", ""))
    except BrowserNotFound as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    print(f"{choice.source}: {choice.executable or playwright_chromium_path()}")
