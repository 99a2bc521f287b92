"""Throughput and memory of a Vigie scan against a plain Playwright + axe-core loop.

Run by hand (2 cores: a run takes one to two minutes per repeat)::

    .venv/bin/python bench/throughput.py [--pages 50] [--concurrency 2] [--repeat 3]

1. Generates a corpus of French public-service-like pages (DSFR-like header, navigation,
   headings, paragraphs, a table, a labelled form, local images, footer links; one shared CSS
   and JS file; accessibility faults on some pages; 20-150 KB of HTML each) and serves it on
   127.0.0.1 with ``vigie.demo.server.SiteServer``. Assets are sent with
   ``Cache-Control: max-age=86400``, as a real site's would be.
2. Vigie: ``python -m vigie scan`` of one service (page 0 as start_url, the others as
   extra_urls), SQLite, no delay, robots.txt ignored; every page in both viewports.
3. Baseline: ``bench/baseline_playwright.py``: same browser, launch options, viewports, axe-core
   and concurrency; goto + axe only.
4. Each side is measured as a whole process (wall time from start to exit, browser launch
   included) and by the peak of the summed RSS of the process and all its descendants
   (Chromium included), sampled every 50 ms. With ``--repeat N`` the sides alternate and
   medians are printed.

See docs/benchmarks.md for the method and the figures measured.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import psutil
import yaml

from crawler.browser import BrowserNotFound, find_browser
from vigie.demo.server import SiteServer

ROOT = Path(__file__).resolve().parent.parent
BASELINE = Path(__file__).resolve().parent / "baseline_playwright.py"
SAMPLE_EVERY = 0.05
MIB = 1024 * 1024

# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------

SERVICE = "Mes démarches en ligne"
TAGLINE = "Ministère de l’Intérieur et des Outre-mer"
KEY_PAGES = [
    ("accessibilite.html", "Déclaration d’accessibilité"),
    ("mentions-legales.html", "Mentions légales"),
    ("plan-du-site.html", "Plan du site"),
    ("contact.html", "Nous contacter"),
]
TITLES = [
    "Demander une carte nationale d’identité", "Renouveler un passeport",
    "Déclarer un changement d’adresse", "Obtenir un extrait d’acte de naissance",
    "S’inscrire sur les listes électorales", "Demander un certificat d’immatriculation",
    "Déclarer la perte d’un permis de conduire", "Faire une pré-plainte en ligne",
    "Demander une aide au logement", "Consulter son solde de points",
    "Payer une amende forfaitaire", "Prendre rendez-vous en préfecture",
    "Demander un titre de séjour", "Signaler un problème de voirie",
    "Déclarer une association", "Obtenir un certificat de non-gage",
]
WORDS = [
    "administration", "démarche", "usager", "service", "public", "formulaire", "dossier",
    "justificatif", "délai", "préfecture", "mairie", "demande", "pièce", "identité", "domicile",
    "attestation", "rendez-vous", "ligne", "compte", "connexion", "FranceConnect", "information",
    "données", "personnelles", "traitement", "réponse", "courrier", "électronique", "vérification",
    "instruction", "décision", "recours", "droit", "obligation", "montant", "paiement", "carte",
    "titre", "validité", "renouvellement", "première", "situation", "famille", "enfant", "mineur",
    "majeur", "représentant", "légal", "procuration", "vote", "bureau", "commune", "département",
    "région", "territoire", "accompagnement", "assistance", "conseiller", "guichet", "accueil",
    "horaires", "ouverture", "numéro", "référence", "suivi", "étape", "envoi", "dépôt",
    "réception", "confirmation", "notification", "document", "original", "copie", "photographie",
    "signature", "numérique", "sécurisée", "confidentialité", "accessibilité", "handicap", "aide",
    "les", "des", "une", "pour", "avec", "dans", "sur", "par", "votre", "vous", "être", "avoir",
    "doit", "peut", "sont", "est", "selon", "afin",
]
FIRST_NAMES = ["Camille", "Dominique", "Claude", "Alix", "Sacha", "Morgan", "Lou", "Eden"]
FAULTS = ["image-alt", "label", "color-contrast", "link-name", "button-name",
          "heading-order", "empty-table-header"]
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


@dataclass
class Corpus:
    root: Path
    paths: list[str]  # URL paths, page 0 first ("/")
    html_bytes: list[int] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    assets: list[str] = field(default_factory=list)


class _Text:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self, lo: int = 8, hi: int = 22) -> str:
        words = [self.rng.choice(WORDS) for _ in range(self.rng.randint(lo, hi))]
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))

    def title(self) -> str:
        return self.sentence(3, 7).rstrip(".")


def _page(index: int, paths: list[str], titles: list[str], rng: random.Random,
          target: int, faults: list[str]) -> str:
    t = _Text(rng)
    title = titles[index]
    has = set(faults)
    current = ' aria-current="page"'
    nav = "".join(
        f'<li class="fr-nav__item"><a class="fr-nav__link" href="{paths[j]}"'
        f'{current if j == index else ""}>{escape(titles[j])}</a></li>'
        for j in sorted({0, *range(5, min(len(paths), 12))})
    )
    head = f"""<!DOCTYPE html>
<html{"" if "html-has-lang" in has else ' lang="fr"'} data-fr-scheme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - {SERVICE}</title>
<meta name="description" content="{escape(t.sentence())}">
<link rel="stylesheet" href="/assets/dsfr-like.css">
<link rel="icon" href="/assets/img/favicon.svg" type="image/svg+xml">
<script src="/assets/site.js" defer></script>
</head>
<body>
<div class="fr-skiplinks"><nav role="navigation" aria-label="Accès rapide">
<ul class="fr-skiplinks__list"><li><a class="fr-link" href="#contenu">Contenu</a></li>
<li><a class="fr-link" href="#header-navigation">Menu</a></li>
<li><a class="fr-link" href="#footer">Pied de page</a></li></ul></nav></div>
<header role="banner" class="fr-header">
<div class="fr-header__body"><div class="fr-container"><div class="fr-header__body-row">
<div class="fr-header__brand"><p class="fr-logo">République<br>Française</p>
<img class="fr-responsive-img" src="/assets/img/marianne.svg" alt="" width="64" height="64">
<button class="fr-btn" id="button-menu" aria-controls="modal-menu" aria-expanded="false"
 title="Menu">Menu</button></div>
<div class="fr-header__service"><a href="/" title="Accueil - {SERVICE}">
<p class="fr-header__service-title">{SERVICE}</p></a>
<p class="fr-header__service-tagline">{TAGLINE}</p></div>
<div class="fr-header__tools"><ul class="fr-btns-group">
<li><a class="fr-btn fr-icon-account-line" href="/contact.html">Mon espace</a></li></ul>
<form role="search" action="/recherche.html"><label class="fr-label" for="q">Rechercher</label>
<input class="fr-input" id="q" name="q" type="search">
<button class="fr-btn" type="submit">Rechercher</button></form></div>
</div></div></div>
<div class="fr-header__menu" id="modal-menu"><div class="fr-container">
<nav class="fr-nav" id="header-navigation" role="navigation" aria-label="Menu principal">
<ul class="fr-nav__list">{nav}</ul></nav></div></div>
</header>
<main id="contenu" role="main" class="fr-container">
<nav role="navigation" class="fr-breadcrumb" aria-label="vous êtes ici :">
<ol class="fr-breadcrumb__list"><li><a href="/">Accueil</a></li>
<li><a aria-current="page">{escape(title)}</a></li></ol></nav>
<h1>{escape(title)}</h1>
<p class="fr-text--lead">{t.paragraph()}</p>
<div class="fr-callout"><h2 class="fr-callout__title">À savoir</h2>
<p>{t.paragraph()}</p>
<a class="fr-btn" href="{paths[(index + 1) % len(paths)]}">Commencer la démarche</a></div>
"""
    rows = []
    for _ in range(rng.randint(8, 25)):
        rows.append(
            f"<tr><th scope=\"row\">{escape(rng.choice(TITLES))}</th>"
            f"<td>{rng.randint(1, 60)} jours</td><td>{rng.choice(['Gratuit', '25 €', '86 €'])}"
            f"</td><td>{rng.choice(FIRST_NAMES)}</td><td>{rng.randint(1, 28):02d}/0"
            f"{rng.randint(1, 9)}/2025</td></tr>"
        )
    first_th = "<th></th>" if "empty-table-header" in has else '<th scope="col">Démarche</th>'
    table = f"""<div class="fr-table"><table>
<caption>Délais et coûts des démarches</caption>
<thead><tr>{first_th}<th scope="col">Délai moyen</th><th scope="col">Coût</th>
<th scope="col">Référent</th><th scope="col">Mise à jour</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></div>
"""
    unlabelled = ('<input class="fr-input" type="text" name="reference">'
                  if "label" in has else "")
    form = f"""<form class="fr-form" action="/envoi.html" method="post">
<fieldset class="fr-fieldset"><legend>Vos coordonnées</legend>
<div class="fr-form-group"><label class="fr-label" for="nom-{index}">Nom
<span class="fr-hint-text">Tel qu’il figure sur votre pièce d’identité</span></label>
<input class="fr-input" id="nom-{index}" name="nom" autocomplete="family-name" required></div>
<div class="fr-form-group"><label class="fr-label" for="prenom-{index}">Prénom</label>
<input class="fr-input" id="prenom-{index}" name="prenom" autocomplete="given-name"></div>
<div class="fr-form-group"><label class="fr-label" for="mel-{index}">Adresse électronique
<span class="fr-hint-text">Format attendu : nom@domaine.fr</span></label>
<input class="fr-input" id="mel-{index}" name="mel" type="email" autocomplete="email"></div>
<div class="fr-form-group"><label class="fr-label" for="dep-{index}">Département</label>
<select class="fr-select" id="dep-{index}" name="departement">
{"".join(f'<option value="{d:02d}">{d:02d}</option>' for d in range(1, 96))}</select></div>
{unlabelled}
</fieldset>
<fieldset class="fr-fieldset"><legend>Vous faites cette demande</legend>
<div class="fr-radio-group"><input type="radio" id="pour-moi-{index}" name="pour" value="moi">
<label for="pour-moi-{index}">Pour vous-même</label></div>
<div class="fr-radio-group"><input type="radio" id="pour-autre-{index}" name="pour"
 value="autre"><label for="pour-autre-{index}">Pour une autre personne</label></div>
<div class="fr-checkbox-group"><input type="checkbox" id="cgu-{index}" name="cgu">
<label for="cgu-{index}">J’accepte les conditions générales d’utilisation</label></div>
</fieldset>
<div class="fr-form-group"><label class="fr-label" for="msg-{index}">Votre message</label>
<textarea class="fr-input" id="msg-{index}" name="message" rows="5"></textarea></div>
<button class="fr-btn" type="submit">Envoyer la demande</button>
{'<button class="fr-btn fr-icon-close-line" type="reset"></button>'
 if "button-name" in has else ""}
</form>
"""
    footer = """</main>
<footer class="fr-footer" role="contentinfo" id="footer"><div class="fr-container">
<p class="fr-logo">République<br>Française</p>
<ul class="fr-footer__content-list">
<li><a href="https://www.legifrance.gouv.fr">legifrance.gouv.fr</a></li>
<li><a href="https://www.info.gouv.fr">info.gouv.fr</a></li>
<li><a href="https://www.service-public.fr">service-public.fr</a></li>
<li><a href="https://www.data.gouv.fr">data.gouv.fr</a></li></ul>
<div class="fr-footer__bottom"><ul class="fr-footer__bottom-list">
<li><a href="/plan-du-site.html">Plan du site</a></li>
<li><a href="/accessibilite.html">Accessibilité : partiellement conforme</a></li>
<li><a href="/mentions-legales.html">Mentions légales</a></li>
<li><a href="/contact.html">Contact</a></li></ul>
<p>Sauf mention contraire, les contenus de ce site sont sous licence etalab-2.0.
© <span id="annee">2025</span></p></div></div></footer>
</body>
</html>
"""
    parts = [head]
    size = len(head.encode()) + len(footer.encode())
    section = 0
    while size < target or section < 3:
        h2 = t.title()
        chunk = [f'<section id="s{section}"><h2>{escape(h2)}</h2>\n']
        if section == 1 and "heading-order" in has:
            chunk.append(f"<h4>{escape(t.title())}</h4>\n")
        for _ in range(rng.randint(2, 5)):
            chunk.append(f"<p>{t.paragraph()}</p>\n")
        if section % 2 == 0:
            chunk.append(f"<h3>{escape(t.title())}</h3>\n<ul>")
            for _ in range(rng.randint(3, 8)):
                k = rng.randrange(len(paths))
                chunk.append(f'<li><a href="{paths[k]}">{escape(titles[k])}</a> : '
                             f"{t.sentence(5, 12)}</li>")
            chunk.append("</ul>\n")
        if section < 4 and section % 2 == 1:
            img = rng.randrange(6)
            alt = "" if "image-alt" in has and section == 1 else \
                f' alt="{escape(t.title())}"'
            chunk.append(f'<figure class="fr-content-media"><img class="fr-responsive-img" '
                         f'src="/assets/img/illustration-{img}.png"{alt} width="400" '
                         f'height="225"><figcaption class="fr-content-media__caption">'
                         f"{escape(t.sentence(4, 10))}</figcaption></figure>\n")
        if section == 2 and "color-contrast" in has:
            chunk.append(f'<p class="texte-discret">{t.paragraph()}</p>\n')
        if section == 2 and "link-name" in has:
            chunk.append(f'<a class="fr-icon-arrow-right-line" href="{paths[0]}"></a>\n')
        for tag in range(rng.randint(0, 6)):
            chunk.append(f'<a class="fr-tag" href="{paths[(index + tag) % len(paths)]}">'
                         f"{escape(rng.choice(WORDS))}</a>")
        chunk.append('<p><img src="/assets/img/info.svg" alt="" width="24" height="24"> '
                     f"{t.sentence()}</p></section>\n")
        if section == 0:
            chunk.append(table)
        if section == 1:
            chunk.append(form)
        text = "".join(chunk)
        parts.append(text)
        size += len(text.encode())
        section += 1
    parts.append(footer)
    return "".join(parts)


def build_corpus(root: Path, pages: int, seed: int = 20250101) -> Corpus:
    rng = random.Random(seed)
    names = ["index.html"] + [name for name, _ in KEY_PAGES]
    names += [f"demarches/demarche-{i:03d}.html" for i in range(len(names), max(pages, 1))]
    names = names[: max(pages, 1)]
    paths = ["/" if n == "index.html" else "/" + n for n in names]
    titles = ["Accueil"] + [t for _, t in KEY_PAGES]
    titles += [f"{TITLES[i % len(TITLES)]}" for i in range(len(titles), len(names))]
    titles = titles[: len(names)]
    # The footer always links to the key pages: the corpus links stay inside it.
    corpus = Corpus(root, paths)
    (root / "demarches").mkdir(parents=True, exist_ok=True)
    img = root / "assets" / "img"
    img.mkdir(parents=True, exist_ok=True)
    (root / "assets" / "dsfr-like.css").write_text(_css(), encoding="utf-8")
    (root / "assets" / "site.js").write_text(SITE_JS, encoding="utf-8")
    (img / "marianne.svg").write_text(MARIANNE_SVG, encoding="utf-8")
    (img / "info.svg").write_text(ICON_SVG, encoding="utf-8")
    (img / "favicon.svg").write_text(MARIANNE_SVG, encoding="utf-8")
    for i in range(6):
        (img / f"illustration-{i}.png").write_bytes(_png(400, 225, seed + i))
    corpus.assets = sorted("/" + p.relative_to(root).as_posix()
                           for p in (root / "assets").rglob("*") if p.is_file())
    for i, name in enumerate(names):
        faults: list[str] = []
        if i % 3 == 1:
            faults = rng.sample(FAULTS, rng.randint(1, 3))
        if i == 7:
            faults.append("html-has-lang")
        target = rng.randint(20 * 1024, 150 * 1024)
        html = _page(i, paths, titles, rng, target, faults)
        data = html.encode("utf-8")
        (root / name).write_bytes(data)
        corpus.html_bytes.append(len(data))
        if faults:
            corpus.faults[paths[i]] = faults
    behaviours = {path: {"headers": ASSET_CACHE} for path in corpus.assets}
    (root / "_behaviours.json").write_text(json.dumps(behaviours, indent=1), encoding="utf-8")
    return corpus


# --------------------------------------------------------------------------------------------
# Measuring one process tree
# --------------------------------------------------------------------------------------------


class TreeSampler(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants, sampled periodically."""

    def __init__(self, pid: int, every: float = SAMPLE_EVERY) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.every = every
        self.peak_rss = 0
        self.peak_root_rss = 0
        self.peak_procs = 0
        self.samples = 0
        # user + system CPU last seen for each process of the tree, by (pid, start time):
        # the sum is the tree's CPU use (up to one sampling interval lost per process).
        self.cpu_seen: dict[tuple[int, float], float] = {}
        self.root_key: tuple[int, float] | None = None
        self.root_trace: list[tuple[float, int]] = []  # (epoch, RSS of the Python process)
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for proc in procs:
                try:
                    with proc.oneshot():
                        rss = proc.memory_info().rss
                        times = proc.cpu_times()
                        key = (proc.pid, proc.create_time())
                except psutil.Error:
                    continue
                self.cpu_seen[key] = times.user + times.system
                if proc is self.proc:
                    self.root_key = key
                total += rss
                if proc is self.proc:
                    self.peak_root_rss = max(self.peak_root_rss, rss)
                    self.root_trace.append((time.time(), rss))
            self.samples += 1
            self.peak_rss = max(self.peak_rss, total)
            self.peak_procs = max(self.peak_procs, len(procs))
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


@dataclass
class ProcessRun:
    returncode: int
    wall_s: float
    peak_mib: float
    peak_root_mib: float  # the Python process alone
    peak_procs: int
    cpu_s: float  # user + system CPU of the process and all its descendants (sampled)
    root_cpu_s: float  # the Python process alone
    other_cpu_s: float  # CPU used meanwhile by everything else on the machine (interference)
    root_trace: list[tuple[float, int]]
    started_epoch: float
    ended_epoch: float
    stdout: str
    stderr: str


def _busy_cpu_s() -> float:
    t = psutil.cpu_times()
    return sum(getattr(t, name, 0.0) for name in
               ("user", "nice", "system", "irq", "softirq", "steal"))


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # this process: server, sampler
    return usage.ru_utime + usage.ru_stime


def wait_for_idle(max_wait: float, busy_limit: float = 20.0) -> float:
    """Wait (at most max_wait s) until the machine's CPU use over 2 s is below busy_limit %."""
    deadline = time.monotonic() + max_wait
    while True:
        busy = psutil.cpu_percent(interval=2.0)
        if busy < busy_limit or time.monotonic() >= deadline:
            return busy
        time.sleep(3)


def measure(cmd: list[str], env: dict[str, str], timeout: float, logs: Path) -> ProcessRun:
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        busy0, own0 = _busy_cpu_s(), _own_cpu_s()
        started_epoch = time.time()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            returncode = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            for child in psutil.Process(proc.pid).children(recursive=True):
                child.kill()
            proc.kill()
            proc.wait()
            raise SystemExit(f"timed out after {timeout:g} s: {' '.join(cmd)}") from None
        finally:
            ended = time.perf_counter()
            ended_epoch = time.time()
            sampler.stop()
    cpu_s = sum(sampler.cpu_seen.values())
    other = _busy_cpu_s() - busy0 - cpu_s - (_own_cpu_s() - own0)
    return ProcessRun(returncode, ended - started, sampler.peak_rss / MIB,
                      sampler.peak_root_rss / MIB, sampler.peak_procs, cpu_s,
                      sampler.cpu_seen.get(sampler.root_key, 0.0) if sampler.root_key else 0.0,
                      max(0.0, other), sampler.root_trace,
                      started_epoch, ended_epoch,
                      out_path.read_text(encoding="utf-8", errors="replace"),
                      err_path.read_text(encoding="utf-8", errors="replace"))


# --------------------------------------------------------------------------------------------
# The two sides
# --------------------------------------------------------------------------------------------


@dataclass
class SideResult:
    side: str
    captures: int
    expected: int
    run: ProcessRun
    crawl_s: float | None = None  # Vigie: scan_run.started_at -> last capture stored
    pre_s: float | None = None  # Vigie: process start -> scan_run created
    post_s: float | None = None  # Vigie: scan_run finished -> process exit (checks, summary)
    server_hits: Counter[str] = field(default_factory=Counter)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.captures / self.run.wall_s if self.run.wall_s else 0.0


def _utc(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _kind(path: str) -> str:
    path = path.split("?", 1)[0]
    if path == "/" or path.endswith(".html"):
        return "page"
    return path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else "other"


def run_vigie(urls: list[str], work: Path, args: argparse.Namespace,
              server: SiteServer) -> SideResult:
    work.mkdir(parents=True, exist_ok=True)
    services = work / "services.yaml"
    services.write_text(yaml.safe_dump({"services": [{
        "id": "bench-corpus", "name": "Corpus de mesure", "start_url": urls[0],
        "extra_urls": urls[1:]}]}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    data = work / "data"
    env = {
        **os.environ, "COLUMNS": "200", "NO_COLOR": "1",
        "VIGIE_DATA_DIR": str(data), "VIGIE_DATABASE_URL": "",
        "VIGIE_DOWNLOAD_DELAY": "0", "VIGIE_CONCURRENCY": str(args.concurrency),
        "VIGIE_PER_HOST": str(args.concurrency), "VIGIE_MAX_PAGES": str(len(urls)),
        "VIGIE_OBEY_ROBOTS": "0",
        # Budgets only: a big --pages must not be cut by the 300 s service budget.
        "VIGIE_SERVICE_BUDGET": str(max(300, 30 * len(urls))),
    }
    cmd = [sys.executable, "-m", "vigie", "scan", "--services", str(services), "--allow-private"]
    server.clear_requests()
    run = measure(cmd, env, args.timeout, work / "logs")
    hits = Counter(_kind(p) for p in server.requested_paths())
    result = SideResult("vigie", 0, 2 * len(urls), run, server_hits=hits)
    db = data / "vigie.sqlite3"
    if run.returncode != 0 or not db.exists():
        result.details["error"] = (run.stderr or run.stdout)[-2000:]
        return result
    with sqlite3.connect(db) as conn:
        outcomes = dict(conn.execute(
            "SELECT outcome, COUNT(*) FROM page_capture GROUP BY outcome").fetchall())
        started, finished, stats = conn.execute(
            "SELECT started_at, finished_at, stats FROM scan_run ORDER BY id DESC LIMIT 1"
        ).fetchone()
        last = conn.execute("SELECT MAX(started_at) FROM page_capture").fetchone()[0]
        rows = conn.execute(
            "SELECT viewport, timings, load_seconds, summary FROM page_capture "
            "WHERE outcome = 'ok'").fetchall()
        blobs = conn.execute(
            "SELECT COUNT(DISTINCT screenshot_sha256), COUNT(DISTINCT html_sha256) "
            "FROM page_capture").fetchone()
    result.captures = int(outcomes.get("ok", 0))
    result.details["outcomes"] = outcomes
    run_start, run_end, last_capture = _utc(started), _utc(finished), _utc(last)
    if run_start and last_capture:
        result.crawl_s = (last_capture - run_start).total_seconds()
        result.pre_s = run_start.timestamp() - run.started_epoch
    if run_end:
        result.post_s = run.ended_epoch - run_end.timestamp()
        during = [rss for t, rss in run.root_trace if t <= run_end.timestamp()]
        result.details["python_peak_crawl_mib"] = max(during) / MIB if during else None
    result.details["stats"] = json.loads(stats) if isinstance(stats, str) else (stats or {})
    timings: dict[str, list[float]] = {}
    by_viewport: dict[str, dict[str, list[float]]] = {}
    violations: Counter[str] = Counter()
    incomplete: Counter[str] = Counter()
    for viewport, raw_timings, load_seconds, raw_summary in rows:
        t = json.loads(raw_timings) if raw_timings else {}
        summary = json.loads(raw_summary) if raw_summary else {}
        steps = {k: float(v) for k, v in t.items()  # every step of collect_page
                 if k.endswith("_s") and isinstance(v, int | float)}
        if isinstance(t.get("load_ms"), int | float):
            steps["load_event_s"] = t["load_ms"] / 1000
        if load_seconds is not None:
            steps["load_seconds"] = float(load_seconds)
        for key, value in steps.items():
            timings.setdefault(key, []).append(value)
            by_viewport.setdefault(viewport, {}).setdefault(key, []).append(value)
        violations[viewport] += int(summary.get("axe_violations", 0))
        incomplete[viewport] += int(summary.get("axe_incomplete", 0))
    result.details["mean_s"] = {k: statistics.fmean(v) for k, v in timings.items()}
    result.details["mean_by_viewport"] = {
        vp: {k: statistics.fmean(v) for k, v in steps_of.items()}
        for vp, steps_of in sorted(by_viewport.items())}
    result.details["violations"] = dict(violations)
    result.details["incomplete"] = dict(incomplete)
    result.details["distinct_screenshots_html"] = blobs
    artifacts = data / "artifacts"
    result.details["artifacts_mib"] = sum(
        p.stat().st_size for p in artifacts.rglob("*") if p.is_file()) / MIB \
        if artifacts.exists() else 0.0
    return result


def run_baseline(urls: list[str], work: Path, args: argparse.Namespace,
                 server: SiteServer) -> SideResult:
    work.mkdir(parents=True, exist_ok=True)
    urls_file = work / "urls.json"
    urls_file.write_text(json.dumps(urls), encoding="utf-8")
    cmd = [sys.executable, str(BASELINE), "--urls-file", str(urls_file),
           "--concurrency", str(args.concurrency)]
    if args.baseline_extras:
        cmd += ["--extras", args.baseline_extras]
    server.clear_requests()
    run = measure(cmd, dict(os.environ), args.timeout, work / "logs")
    hits = Counter(_kind(p) for p in server.requested_paths())
    result = SideResult("baseline", 0, 2 * len(urls), run, server_hits=hits)
    try:
        report = json.loads(run.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        result.details["error"] = (run.stderr or run.stdout)[-2000:]
        return result
    result.captures = int(report["captures"])
    result.crawl_s = float(report["crawl_s"])
    result.pre_s = float(report["setup_s"])
    result.details = report
    if report.get("failures"):
        result.details["error"] = "\n".join(report["failures"][:5])
    return result


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _commit() -> str:
    """The commit measured (read-only git call); "unknown" outside a git work tree."""
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def print_row(n: int, r: SideResult) -> None:
    total_hits = sum(r.server_hits.values())
    per = total_hits / r.expected if r.expected else 0.0
    crawl_rate = r.captures / r.crawl_s if r.crawl_s else None
    print(f"{n:>3}  {r.side:<8}  {r.captures:>4}/{r.expected:<4}  {r.run.wall_s:>7.1f}  "
          f"{r.rate:>7.2f}  {_fmt(r.crawl_s):>7}  {_fmt(crawl_rate, '.2f'):>7}  "
          f"{r.run.peak_mib:>8.0f}  {r.run.peak_root_mib:>6.0f}  {r.run.cpu_s:>6.1f}  "
          f"{r.run.root_cpu_s:>6.1f}  "
          f"{r.run.cpu_s / max(r.captures, 1):>6.2f}  {r.run.other_cpu_s:>6.1f}  {per:>6.2f}",
          flush=True)


def report(results: list[SideResult], corpus: Corpus, args: argparse.Namespace,
           browser: str) -> None:
    vigie = [r for r in results if r.side == "vigie"]
    base = [r for r in results if r.side == "baseline"]
    print()
    print(f"== medians over {len(vigie)} run(s) "
          f"({len(corpus.paths)} pages x 2 viewports, concurrency {args.concurrency}) ==")
    med: dict[str, dict[str, float | None]] = {}
    for name, side in (("vigie", vigie), ("baseline", base)):
        med[name] = {
            "captures": _median([float(r.captures) for r in side]),
            "wall": _median([r.run.wall_s for r in side]),
            "rate": _median([r.rate for r in side]),
            "crawl": _median([r.crawl_s for r in side]),
            "crawl_rate": _median([r.captures / r.crawl_s if r.crawl_s else None
                                   for r in side]),
            "mem": _median([r.run.peak_mib for r in side]),
            "root_mem": _median([r.run.peak_root_mib for r in side]),
            "cpu": _median([r.run.cpu_s / r.captures if r.captures else None for r in side]),
            "py_cpu": _median([r.run.root_cpu_s / r.captures if r.captures else None
                               for r in side]),
            "crawl_mem": _median([r.details.get("python_peak_crawl_mib") for r in side]),
            "pre": _median([r.pre_s for r in side]),
            "post": _median([r.post_s for r in side]),
        }
        m = med[name]
        extra = ""
        if name == "vigie":
            extra = (f"; before the crawl {_fmt(m['pre'])} s, crawl {_fmt(m['crawl'])} s "
                     f"({_fmt(m['crawl_rate'], '.2f')} captures/s), after it "
                     f"(checks, summary) {_fmt(m['post'])} s")
        else:
            extra = (f"; launch {_fmt(m['pre'])} s, crawl {_fmt(m['crawl'])} s "
                     f"({_fmt(m['crawl_rate'], '.2f')} captures/s)")
        print(f"{name:<9} {_fmt(m['captures'], '.0f')} captures in {_fmt(m['wall'])} s = "
              f"{_fmt(m['rate'], '.2f')} captures/s, peak memory {_fmt(m['mem'], '.0f')} MiB "
              f"(Python process alone {_fmt(m['root_mem'], '.0f')} MiB"
              + (f", {_fmt(m['crawl_mem'], '.0f')} MiB until the crawl ended"
                 if m["crawl_mem"] else "") + "), "
              f"{_fmt(m['cpu'], '.2f')} CPU s per capture (Python process "
              f"{_fmt(m['py_cpu'], '.2f')}){extra}")
    v, b = med["vigie"], med["baseline"]
    if v["rate"] and b["rate"]:
        print(f"ratio vigie/baseline, captures/s (whole process): {v['rate'] / b['rate']:.2f}")
    if v["crawl_rate"] and b["crawl_rate"]:
        print(f"ratio vigie/baseline, captures/s (crawl only):     "
              f"{v['crawl_rate'] / b['crawl_rate']:.2f}")
    if v["cpu"] and b["cpu"]:
        print(f"ratio vigie/baseline, captures per CPU second:    {b['cpu'] / v['cpu']:.2f}")
    if v["mem"] and b["mem"]:
        print(f"ratio vigie/baseline, peak memory:                {v['mem'] / b['mem']:.2f}")

    print()
    print("== requests ==")
    for name, side in (("vigie", vigie), ("baseline", base)):
        if not side:
            continue
        last = side[-1]
        hits = dict(sorted(last.server_hits.items()))
        per = sum(last.server_hits.values()) / last.expected if last.expected else 0
        print(f"{name:<9} server hits (last run): {hits} = {per:.2f} per capture")
    stats = vigie[-1].details.get("stats", {}) if vigie else {}
    count = stats.get("playwright/request_count")
    if count and vigie[-1].captures:
        by_type = {k.rsplit("/", 1)[-1]: v for k, v in sorted(stats.items())
                   if k.startswith("playwright/request_count/resource_type/")}
        print(f"vigie     browser requests (scan_run.stats playwright/request_count): {count} = "
              f"{count / vigie[-1].captures:.2f} per capture ({count / len(corpus.paths):.2f} "
              f"per page, 2 viewports); by type {by_type}")

    print()
    print("== profile (means per capture, last run, seconds) ==")
    if vigie and vigie[-1].details.get("mean_s"):
        d = vigie[-1].details
        print("vigie    ", "  ".join(f"{k}={val:.3f}" for k, val in d["mean_s"].items()))
        for vp, means in d.get("mean_by_viewport", {}).items():
            print(f"  {vp:<8}", "  ".join(f"{k}={val:.3f}" for k, val in means.items()))
        print("          (load_event_s: navigation start -> load event, in the page; "
              "load_seconds: as stored, from the start of the download to the stored capture)")
        print(f"          axe findings (rules) violations={d.get('violations')} "
              f"incomplete={d.get('incomplete')}; artifacts {d.get('artifacts_mib', 0):.1f} MiB")
    if base and base[-1].details.get("mean_s"):
        d = base[-1].details
        print("baseline ", "  ".join(f"{k}={val:.3f}" for k, val in d["mean_s"].items()))
        for vp, means in d.get("mean_by_viewport", {}).items():
            print(f"  {vp:<8}", "  ".join(f"{k}={val:.3f}" for k, val in means.items()))
        print(f"          axe findings (rules) violations={d.get('violations')} "
              f"incomplete={d.get('incomplete')}; extras={d.get('extras') or 'none'}")
    if base and base[-1].details.get("browser_version"):
        print(f"browser: {browser}, version {base[-1].details['browser_version']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="alternate the sides N times")
    parser.add_argument("--only", choices=["vigie", "baseline"], help="run one side only")
    parser.add_argument("--baseline-extras", default="",
                        help="in-page work added to the baseline, to split the gap: "
                             "collector,locale,screenshot,content, or vigie (Vigie's own "
                             "collect_page + page.content())")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per side")
    parser.add_argument("--idle-wait", type=float, default=120.0,
                        help="before each side, wait up to this many seconds for the machine "
                             "to be idle (CPU < 20%% over 2 s)")
    parser.add_argument("--keep", type=Path, help="keep the corpus and data in this folder")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.concurrency < 1 or args.repeat < 1:
        parser.error("--pages, --concurrency and --repeat must be at least 1")
    try:
        choice = find_browser(os.environ.get("VIGIE_BROWSER_PATH", ""))
    except BrowserNotFound as exc:
        print(f"bench/throughput.py: no browser to measure with: {exc}", file=sys.stderr)
        return 2
    browser = f"{choice.source}: {choice.executable or 'Playwright build'}"

    tmp = None
    if args.keep:
        base_dir = args.keep.resolve()
        base_dir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="vigie-bench-")
        base_dir = Path(tmp.name)
    try:
        corpus = build_corpus(base_dir / "site", args.pages)
        kib = [b / 1024 for b in corpus.html_bytes]
        print(f"corpus: {len(corpus.paths)} pages, HTML {min(kib):.0f}-{max(kib):.0f} KiB "
              f"(total {sum(kib):.0f} KiB), {len(corpus.assets)} assets, "
              f"{len(corpus.faults)} pages with faults")
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {_commit()}, "
              f"{os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
              f"{browser}")
        with SiteServer(corpus.root) as server:
            urls = [server.base_url + p for p in corpus.paths]
            print(f"served at {server.base_url}/; {2 * len(urls)} captures per side, "
                  f"concurrency {args.concurrency}, {args.repeat} run(s), sides alternating")
            print()
            print("run  side      captures     wall s  capt/s  crawl s  crawl/s  peak MiB  "
                  "python   cpu s  py cpu  cpu/c  other  hits/c")
            results: list[SideResult] = []
            failed = False
            for n in range(1, args.repeat + 1):
                sides = ["vigie", "baseline"] if n % 2 else ["baseline", "vigie"]
                for side in sides:
                    if args.only and side != args.only:
                        continue
                    busy = wait_for_idle(args.idle_wait)
                    if busy >= 20.0:
                        print(f"     (the machine is busy: {busy:.0f}% CPU before this side; "
                              "see the 'other' column)", flush=True)
                    work = base_dir / f"run{n}-{side}"
                    runner = run_vigie if side == "vigie" else run_baseline
                    result = runner(urls, work, args, server)
                    results.append(result)
                    print_row(n, result)
                    if result.captures != result.expected or result.details.get("error"):
                        failed = True
                        print(f"     {side}: {result.captures} captures ok of "
                              f"{result.expected}, exit code {result.run.returncode}; "
                              f"{result.details.get('outcomes', '')}\n"
                              f"     {result.details.get('error', '')}", file=sys.stderr)
            report(results, corpus, args, browser)
        if failed:
            print("some captures failed: the figures above do not compare like with like",
                  file=sys.stderr)
            return 1
        return 0
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
