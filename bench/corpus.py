"""The benchmark's corpus: French public-service-like pages, generated and seeded.

Page 0 is the home page, then the key pages (accessibility, legal notice, site map, contact),
then démarches. Each page has a DSFR-like structure (skip links, header, navigation,
breadcrumb, headings, paragraphs, a call-out, a table, a labelled form, local images, footer
links) and 20-150 KB of HTML; a third of them carry 1-3 accessibility faults. Served by
``vigie.demo.server.SiteServer``, which reads the assets' headers from ``_behaviours.json``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from bench.assets import ASSET_CACHE, write_assets
from vigie.demo.server import BEHAVIOURS_FILE

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
    """Write ``pages`` pages and their assets under ``root`` (seeded: the same every run)."""
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
    corpus.assets = write_assets(root, seed)
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
    (root / BEHAVIOURS_FILE).write_text(json.dumps(behaviours, indent=1), encoding="utf-8")
    return corpus



TINY_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Démarche minimale - {service}</title></head>
<body><main><h1>Démarche minimale</h1>
<p>Une page de quelques centaines d’octets, sans ressource : ce que coûte un service à part
ses pages.</p></main></body>
</html>
"""


def build_tiny_site(root: Path) -> None:
    """One tiny page (``/``) under ``root``: a service scan whose pages cost next to nothing."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(TINY_PAGE.format(service=SERVICE), encoding="utf-8")
