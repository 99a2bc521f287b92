"""The corpus's shared assets: a DSFR-like stylesheet, a small script, SVG icons, PNG images.

Written once per corpus and sent with a long ``Cache-Control``, as a real site's would be, so
that a crawler which lets the browser cache them fetches each once per browser context.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

ASSET_CACHE = {"Cache-Control": "public, max-age=86400"}


def _png(width: int, height: int, seed: int) -> bytes:
    """A small RGB PNG: a gradient under blocks of noise (~70 KB for 400x225)."""
    rng = random.Random(seed)
    rows = bytearray()
    base = (rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200))
    per_row = width // 6 + 1
    blocks = [rng.randrange(0, 40) for _ in range(per_row * (height // 6 + 1))]
    for y in range(height):
        rows.append(0)
        for x in range(width):
            n = blocks[(y // 6) * per_row + x // 6]
            rows += bytes(((base[0] + x // 3 + n) % 256, (base[1] + y // 2 + n) % 256,
                           (base[2] + (x + y) // 5) % 256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


MARIANNE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64"
 height="64">
<rect width="64" height="64" fill="#fff"/><path d="M8 12h16v40H8z" fill="#000091"/>
<path d="M40 12h16v40H40z" fill="#e1000f"/><circle cx="32" cy="26" r="9" fill="#666"/>
<path d="M20 56c4-14 20-14 24 0z" fill="#666"/></svg>
"""
ICON_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24">
<path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-6h2zm0-8h-2V7h2z" fill="#000091"/>
</svg>
"""
SITE_JS = """// Menu mobile et tableaux : de quoi occuper le moteur JS comme un vrai site.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("button-menu");
    var menu = document.getElementById("modal-menu");
    if (button && menu) {
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        button.setAttribute("aria-expanded", String(!open));
        menu.classList.toggle("fr-modal--opened", !open);
      });
    }
    var rows = document.querySelectorAll(".fr-table tbody tr");
    for (var i = 0; i < rows.length; i++) {
      if (i % 2) rows[i].classList.add("fr-table__row--alt");
    }
    var year = document.getElementById("annee");
    if (year) year.textContent = String(new Date().getFullYear());
  });
})();
"""


def _css() -> str:
    """A DSFR-like stylesheet (~90 KB): components, a 12-column grid, spacing utilities."""
    out = [
        ":root{--blue-france:#000091;--red-marianne:#e1000f;--grey-50:#161616;"
        "--grey-200:#3a3a3a;--grey-925:#e5e5e5;--grey-975:#f6f6f6}",
        "*,*::before,*::after{box-sizing:border-box}",
        "html{font-family:Marianne,arial,sans-serif;line-height:1.5;color:var(--grey-50)}",
        "body{margin:0;background:#fff}",
        "a{color:var(--blue-france);text-underline-offset:.25em}",
        "a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:2px solid "
        "#0a76f6;outline-offset:2px}",
        "h1{font-size:2.5rem;line-height:3rem;margin:0 0 1.5rem}",
        "h2{font-size:2rem;line-height:2.5rem;margin:2rem 0 1.5rem}",
        "h3{font-size:1.5rem;line-height:2rem;margin:1.5rem 0 1rem}",
        "h4{font-size:1.25rem;line-height:1.75rem}",
        ".fr-container{max-width:78rem;margin:0 auto;padding:0 1rem}",
        ".fr-skiplinks{background:var(--grey-975);padding:1rem 0}",
        ".fr-skiplinks__list{display:flex;gap:1.5rem;list-style:none;margin:0;padding:0}",
        ".fr-header{border-bottom:1px solid var(--grey-925);box-shadow:0 8px 8px -8px "
        "rgba(0,0,0,.16)}",
        ".fr-header__body-row{display:flex;align-items:center;justify-content:space-between;"
        "padding:1rem 0}",
        ".fr-header__brand{display:flex;align-items:center;gap:1rem}",
        ".fr-logo{font-weight:700;text-transform:uppercase;letter-spacing:-.01em;"
        "font-size:1.05rem;line-height:1.1;margin:0}",
        ".fr-logo::before{content:'';display:block;width:2.5rem;height:1rem;background:"
        "linear-gradient(90deg,#000091 33%,#fff 33% 66%,#e1000f 66%)}",
        ".fr-header__service-title{font-size:1.25rem;font-weight:700;margin:0}",
        ".fr-header__service-tagline{font-size:.875rem;margin:0}",
        ".fr-header__menu{border-top:1px solid var(--grey-925)}",
        ".fr-nav__list{display:flex;flex-wrap:wrap;list-style:none;margin:0;padding:0}",
        ".fr-nav__link{display:block;padding:1rem;color:var(--grey-50);text-decoration:none}",
        ".fr-nav__link[aria-current]{color:var(--blue-france);box-shadow:inset 0 -2px 0 0 "
        "var(--blue-france)}",
        ".fr-breadcrumb{font-size:.75rem;margin:1rem 0 2rem}",
        ".fr-breadcrumb__list{display:flex;gap:.5rem;list-style:none;padding:0}",
        ".fr-btn{display:inline-flex;align-items:center;min-height:2.5rem;padding:.5rem 1.5rem;"
        "background:var(--blue-france);color:#fff;border:0;font-size:1rem;cursor:pointer}",
        ".fr-btn--secondary{background:transparent;color:var(--blue-france);"
        "box-shadow:inset 0 0 0 1px var(--blue-france)}",
        ".fr-btns-group{display:flex;gap:1rem;list-style:none;padding:0;margin:0}",
        ".fr-callout{background:#eeeeee;border-left:4px solid var(--blue-france);"
        "padding:1.5rem 2rem;margin-bottom:2rem}",
        ".fr-callout__title{font-size:1.375rem;margin-top:0}",
        ".fr-text--lead{font-size:1.25rem;line-height:2rem}",
        ".fr-table{overflow-x:auto;margin-bottom:2.5rem}",
        ".fr-table table{border-collapse:collapse;width:100%;font-size:.875rem}",
        ".fr-table th,.fr-table td{padding:.75rem 1rem;border-bottom:1px solid "
        "var(--grey-925);text-align:left}",
        ".fr-table thead th{background:var(--grey-975);font-weight:700}",
        ".fr-table__row--alt{background:#fafafa}",
        ".fr-table caption{font-size:1.25rem;font-weight:700;text-align:left;"
        "margin-bottom:1rem}",
        ".fr-form-group,.fr-fieldset{margin-bottom:2rem;border:0;padding:0}",
        ".fr-label{display:block;margin-bottom:.5rem}",
        ".fr-hint-text{display:block;font-size:.75rem;color:#666}",
        ".fr-input,.fr-select{display:block;width:100%;padding:.5rem 1rem;border:0;"
        "border-radius:.25rem .25rem 0 0;background:#eee;box-shadow:inset 0 -2px 0 0 "
        "var(--grey-200);font-size:1rem}",
        ".fr-radio-group,.fr-checkbox-group{margin:.75rem 0}",
        ".fr-responsive-img{max-width:100%;height:auto}",
        ".fr-content-media{margin:2.5rem 0}",
        ".fr-content-media__caption{font-size:.75rem;color:#666;margin-top:.75rem}",
        ".fr-footer{border-top:2px solid var(--blue-france);margin-top:4rem;padding-top:2rem}",
        ".fr-footer__content-list,.fr-footer__bottom-list{display:flex;flex-wrap:wrap;"
        "gap:1rem;list-style:none;padding:0}",
        ".fr-footer__bottom{border-top:1px solid var(--grey-925);margin-top:1.5rem;"
        "font-size:.75rem}",
        ".fr-tag{display:inline-block;padding:.25rem .75rem;border-radius:1rem;"
        "background:#e3e3fd;color:var(--blue-france);font-size:.875rem;margin:.25rem}",
        ".fr-links-group{columns:2;padding-left:1rem}",
        ".texte-discret{color:#b5b5b5}",
        ".fr-icon-arrow-right-line::before,.fr-icon-close-line::before,"
        ".fr-icon-account-line::before{content:'';display:inline-block;width:1rem;height:1rem;"
        "background:currentColor;mask-size:cover}",
    ]
    for cols in range(1, 13):
        out.append(f".fr-col-{cols}{{flex:0 0 {cols / 12 * 100:.4f}%;"
                   f"max-width:{cols / 12 * 100:.4f}%}}")
    breakpoints = {"sm": 36, "md": 48, "lg": 62, "xl": 78}
    sides = {"t": ("top",), "r": ("right",), "b": ("bottom",), "l": ("left",),
             "x": ("left", "right"), "y": ("top", "bottom")}
    for bp, em in [("", 0), *breakpoints.items()]:
        rules = []
        suffix = f"-{bp}" if bp else ""
        for cols in range(1, 13):
            if bp:
                rules.append(f".fr-col{suffix}-{cols}{{flex:0 0 {cols / 12 * 100:.4f}%;"
                             f"max-width:{cols / 12 * 100:.4f}%}}")
        for prop, short in (("margin", "m"), ("padding", "p")):
            for side, names in sides.items():
                for n in range(0, 33):
                    decls = ";".join(f"{prop}-{name}:{n * 0.25:g}rem!important"
                                     for name in names)
                    rules.append(f".fr-{short}{side}{suffix}-{n}v{{{decls}}}")
        body = "".join(rules)
        out.append(f"@media (min-width:{em}em){{{body}}}" if bp else body)
    return "\n".join(out) + "\n"


def write_assets(root: Path, seed: int) -> list[str]:
    """Write the assets under ``root/assets``; return their URL paths, sorted."""
    img = root / "assets" / "img"
    img.mkdir(parents=True, exist_ok=True)
    (root / "assets" / "dsfr-like.css").write_text(_css(), encoding="utf-8")
    (root / "assets" / "site.js").write_text(SITE_JS, encoding="utf-8")
    (img / "marianne.svg").write_text(MARIANNE_SVG, encoding="utf-8")
    (img / "info.svg").write_text(ICON_SVG, encoding="utf-8")
    (img / "favicon.svg").write_text(MARIANNE_SVG, encoding="utf-8")
    for i in range(6):
        (img / f"illustration-{i}.png").write_bytes(_png(400, 225, seed + i))
    return sorted("/" + p.relative_to(root).as_posix()
                  for p in (root / "assets").rglob("*") if p.is_file())
