"""Where the bundled demo sites and their service list live, and how the list is rendered.

``services.yaml`` refers to each site with a ``{{site:<folder>}}`` token, replaced at runtime by
that site's base URL (e.g. ``http://127.0.0.1:43123``, no trailing slash).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
SITES_DIR = DEMO_DIR / "sites"
SERVICES_TEMPLATE = DEMO_DIR / "services.yaml"

SITE_TOKEN = re.compile(r"\{\{\s*site:([A-Za-z0-9_.-]+)\s*\}\}")


def site_folders(root: Path) -> list[str]:
    """Subfolders of ``root`` that are sites (not hidden, not ``_``-prefixed), sorted."""
    return sorted(
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )


def site_names() -> list[str]:
    """Folders of the bundled demo sites, sorted."""
    return site_folders(SITES_DIR)


def referenced_sites(template: str | None = None) -> list[str]:
    """Site folders named by ``{{site:...}}`` tokens, in order of first appearance."""
    text = SERVICES_TEMPLATE.read_text(encoding="utf-8") if template is None else template
    return list(dict.fromkeys(m.group(1) for m in SITE_TOKEN.finditer(text)))


def render_services_yaml(base_urls: Mapping[str, str], template: str | None = None) -> str:
    """The service list (``SERVICES_TEMPLATE`` unless ``template`` is given) with every
    ``{{site:<folder>}}`` replaced by ``base_urls[folder]``; KeyError names an unknown site."""
    text = SERVICES_TEMPLATE.read_text(encoding="utf-8") if template is None else template

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in base_urls:
            raise KeyError(f"unknown demo site {name!r} in {{{{site:{name}}}}}")
        return base_urls[name].rstrip("/")

    return SITE_TOKEN.sub(substitute, text)
