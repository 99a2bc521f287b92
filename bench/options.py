"""What the benchmark scripts share on their command line: options, browser, work folder."""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from core.settings import Settings
from crawler.browser import BrowserNotFound, find_browser


def add_run_options(parser: argparse.ArgumentParser, *, timeout_of: str) -> None:
    """--concurrency, --timeout, --idle-wait and --keep."""
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900.0,
                        help=f"seconds per {timeout_of}")
    parser.add_argument("--idle-wait", type=float, default=120.0,
                        help=f"before each {timeout_of}, wait up to this many seconds for the "
                             "machine to be idle (CPU < 20%% over 2 s)")
    parser.add_argument("--keep", type=Path, help="keep the corpus, logs and data here")


def browser_label(script: str) -> str | None:
    """The browser measured, as printed; None (and why, on stderr) when there is none."""
    try:
        choice = find_browser(Settings.from_env().browser_path)
    except BrowserNotFound as exc:
        print(f"{script}: no browser to measure with: {exc}", file=sys.stderr)
        return None
    return f"{choice.source}: {choice.executable or 'Playwright build'}"


def work_dir(stack: ExitStack, keep: Path | None) -> Path:
    """``--keep``'s folder, or a temporary one removed when ``stack`` closes."""
    if keep:
        base = keep.resolve()
        base.mkdir(parents=True, exist_ok=True)
        return base
    return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vigie-bench-")))
