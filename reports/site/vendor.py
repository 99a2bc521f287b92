"""Vendor the parts of a ``@gouvfr/dsfr`` npm package the report needs into ``reports/static``.

Usage: ``python -m reports.site.vendor /tmp/dsfr/package`` (the unpacked ``npm pack``). Only
``dsfr.min.css``, the files its ``url(...)`` references (icons, fonts), the licence and a
``VERSION`` file are copied: the package's utility folder alone weighs 15 MB.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "static" / "dsfr"
URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def referenced_files(css: str) -> list[str]:
    """Relative paths referenced by the stylesheet (data: URIs and fragments left out)."""
    found = set()
    for ref in URL.findall(css):
        if ref.startswith(("data:", "#", "http:", "https:", "//")):
            continue
        found.add(ref.split("#", 1)[0].split("?", 1)[0])
    return sorted(found)


def vendor(package: Path, target: Path = TARGET) -> int:
    dist = package / "dist"
    version = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    css = (dist / "dsfr.min.css").read_text(encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy2(dist / "dsfr.min.css", target / "dsfr.min.css")
    shutil.copy2(package / "LICENSE.md", target / "LICENSE.md")
    (target / "VERSION").write_text(f"@gouvfr/dsfr {version}\n", encoding="utf-8")
    total = 0
    for rel in referenced_files(css):
        source = (dist / rel).resolve()
        if not source.is_relative_to(dist.resolve()) or not source.is_file():
            raise SystemExit(f"dsfr.min.css references a missing file: {rel}")
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)
        total += 1
    return total


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m reports.site.vendor PATH/TO/UNPACKED/package")
    count = vendor(Path(sys.argv[1]))
    print(f"vendored dsfr.min.css and {count} referenced files into {TARGET}")
