"""Chromium runs in its sandbox unless Vigie runs as root or the setting turns it off.

A hostile page that takes over a renderer is then confined by Chromium's seccomp-bpf filter:
the browser test reads the ``Seccomp`` mode of the renderers Vigie's launch options start, as
an ordinary user (a user namespace when the tests run as root) and as root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from crawler.browser import BrowserChoice, sandbox_args
from crawler.run import scrapy_settings
from tests.conftest import ROOT

ARGS = ("--disable-gpu", "--no-first-run")
CHROMIUM = BrowserChoice("/usr/bin/chromium", "system")


@pytest.mark.parametrize(("uid", "sandbox", "expected"), [
    (1000, True, ["--disable-gpu", "--no-first-run"]),
    (0, True, ["--no-sandbox", "--disable-gpu", "--no-first-run"]),  # Chromium refuses otherwise
    (1000, False, ["--no-sandbox", "--disable-gpu", "--no-first-run"]),
])
def test_no_sandbox_only_as_root_or_when_set(monkeypatch: pytest.MonkeyPatch, uid: int,
                                             sandbox: bool, expected: list[str]) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: uid)
    assert sandbox_args(ARGS, sandbox) == expected
    options = CHROMIUM.launch_options(ARGS, sandbox)
    # Playwright adds --no-sandbox by itself unless chromium_sandbox is set.
    assert options["chromium_sandbox"] is ("--no-sandbox" not in expected)
    assert options["args"] == expected


def test_the_crawl_uses_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "--no-sandbox" not in Settings().browser_args
    monkeypatch.setenv("VIGIE_BROWSER_SANDBOX", "false")
    settings = Settings.from_env()
    assert settings.browser_sandbox is False
    launch = scrapy_settings(settings, CHROMIUM)["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert launch["chromium_sandbox"] is False and "--no-sandbox" in launch["args"]
    launch = scrapy_settings(Settings(), CHROMIUM)["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert launch["chromium_sandbox"] is True and "--no-sandbox" not in launch["args"]


def probe(tmp_path: Path, *, as_root: bool, env: dict[str, str] | None = None) -> dict[str, Any]:
    """tests/sandbox_probe.py as root, or as an ordinary user: uid 1000 in a user namespace
    when the tests run as root (the interpreter may sit in root's home, out of other users'
    reach), else the tests' own user."""
    command = [sys.executable, "-m", "tests.sandbox_probe"]
    if os.geteuid() == 0 and not as_root:
        unshare = shutil.which("unshare")
        if unshare is None:
            pytest.skip("unshare (util-linux) is needed to run as an ordinary user")
        command = [unshare, "--user", "--map-user=1000", "--map-group=1000", *command]
    elif os.geteuid() != 0 and as_root:
        pytest.skip("the tests do not run as root")
    full_env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT), **(env or {})}
    result = subprocess.run(command, capture_output=True, text=True, env=full_env, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.browser
def test_renderers_are_sandboxed_for_an_ordinary_user(tmp_path: Path) -> None:
    seen = probe(tmp_path, as_root=False)
    assert seen["uid"] != 0 and "--no-sandbox" not in seen["args"]
    assert seen["text"] == "Demande d’aide au logement"
    assert seen["seccomp"] == [2]  # every renderer under Chromium's seccomp-bpf filter


@pytest.mark.browser
def test_root_and_the_setting_turn_the_sandbox_off(tmp_path: Path) -> None:
    off = probe(tmp_path, as_root=False, env={"VIGIE_BROWSER_SANDBOX": "0"})
    assert "--no-sandbox" in off["args"] and off["seccomp"] == [0]
    if os.geteuid() == 0:
        root = probe(tmp_path, as_root=True)
        assert root["text"] == "Demande d’aide au logement"  # it starts, unsandboxed
        assert "--no-sandbox" in root["args"] and root["seccomp"] == [0]
