"""``dlnuf-fields``: « Dites-le-nous une fois », data the administration holds asked again.

Looks at every form reachable without logging in (collector ``forms``), recognises fields asking
for data the administration already holds (FranceConnect identity pivot, postal address, tax
and social numbers, IBAN, SIRET/SIREN) and uploads of proofs it could fetch itself (avis
d’imposition, justificatif de domicile, attestations, RIB, Kbis), and gives the observatory's
level from the number of distinct such data items asked across the service.

A field is recognised by its ``autocomplete`` tokens first (the most explicit statement of what
it holds), then its ``name``/``id``, then its label (or placeholder). Search forms, login forms
and one-field forms that ask nothing recognised are not démarche forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag

from checks.inputs import CaptureView, ServiceCaptures
from checks.model import Evidence, Finding, Outcome
from checks.registry import check
from core.capture import Field, Form
from core.text import normalise_text

MAX_FIELDS_AS_EVIDENCE = 50

# Data item id → French wording used in messages. One item per datum the administration holds:
# a postal address asked in three inputs (street, postal code, city) is one item.
CATEGORIES: dict[str, str] = {
    "nom": "nom de naissance",
    "prenoms": "prénoms",
    "date_naissance": "date de naissance",
    "lieu_naissance": "lieu de naissance",
    "sexe": "sexe ou civilité",
    "adresse_postale": "adresse postale",
    "numero_fiscal": "numéro fiscal (SPI)",
    "reference_avis": "référence de l’avis d’imposition",
    "revenu_fiscal_reference": "revenu fiscal de référence",
    "nir": "numéro de sécurité sociale (NIR)",
    "numero_allocataire": "numéro d’allocataire CAF ou MSA",
    "quotient_familial": "quotient familial",
    "siret_siren": "numéro SIRET ou SIREN",
    "iban": "coordonnées bancaires (IBAN, BIC)",
    "justificatif_avis_imposition": "avis d’imposition à joindre",
    "justificatif_domicile": "justificatif de domicile à joindre",
    "justificatif_attestation": "attestation à joindre (CAF, assurance maladie, France Travail…)",
    "justificatif_rib": "RIB à joindre",
    "justificatif_kbis": "extrait Kbis à joindre",
}

_AUTOCOMPLETE: dict[str, str] = {
    "name": "nom", "family-name": "nom", "given-name": "prenoms", "additional-name": "prenoms",
    "bday": "date_naissance", "bday-day": "date_naissance", "bday-month": "date_naissance",
    "bday-year": "date_naissance", "sex": "sexe", "honorific-prefix": "sexe",
    "street-address": "adresse_postale", "address-line1": "adresse_postale",
    "address-line2": "adresse_postale", "address-line3": "adresse_postale",
    "address-level1": "adresse_postale", "address-level2": "adresse_postale",
    "address-level3": "adresse_postale", "address-level4": "adresse_postale",
    "postal-code": "adresse_postale",
}

# name/id rules: the field's tokens must END with one of these sequences (after dropping
# trailing qualifiers such as digits or "demandeur"), so "nom_usage" or "nombre_parts" never
# read as "nom". Order matters: "nom_naissance" is a name, "revenu_fiscal" is not a tax number.
_NAME_RULES: list[tuple[str, tuple[tuple[str, ...], ...]]] = [
    ("nom", (("nom", "naissance"), ("nom", "famille"), ("nomnaissance",), ("lastname",),
             ("last", "name"), ("family", "name"), ("familyname",), ("surname",), ("nom",))),
    ("lieu_naissance", (("lieu", "naissance"), ("commune", "naissance"), ("ville", "naissance"),
                        ("pays", "naissance"), ("departement", "naissance"),
                        ("lieunaissance",), ("birthplace",), ("birth", "place"))),
    ("date_naissance", (("naissance",), ("datenaissance",), ("birthdate",), ("birth", "date"),
                        ("birthday",), ("date", "of", "birth"), ("dob",), ("ddn",), ("bday",))),
    ("prenoms", (("prenom",), ("prenoms",), ("firstname",), ("first", "name"),
                 ("given", "name"), ("givenname",), ("forename",))),
    ("sexe", (("sexe",), ("sex",), ("genre",), ("gender",), ("civilite",), ("civility",))),
    ("reference_avis", (("reference", "avis"), ("ref", "avis"), ("reference", "fiscale"),
                        ("reference", "avis", "imposition"))),
    ("revenu_fiscal_reference", (("rfr",), ("revenu", "fiscal"), ("fiscal", "reference"),
                                 ("revenufiscal",), ("revenu", "fiscal", "reference"))),
    ("numero_fiscal", (("numero", "fiscal"), ("num", "fiscal"), ("no", "fiscal"),
                       ("numerofiscal",), ("identifiant", "fiscal"), ("spi",), ("nif",))),
    ("nir", (("nir",), ("nss",), ("secu",), ("securite", "sociale"), ("secu", "sociale"),
             ("social", "security", "number"))),
    ("numero_allocataire", (("allocataire",), ("caf",), ("msa",), ("numallocataire",))),
    ("quotient_familial", (("qf",), ("quotient",), ("quotient", "familial"),
                           ("quotientfamilial",))),
    ("siret_siren", (("siret",), ("siren",))),
    ("iban", (("iban",), ("bic",), ("rib",), ("swift",))),
    ("adresse_postale", (("adresse",), ("address",), ("adresse", "postale"), ("code", "postal"),
                         ("codepostal",), ("cp",), ("postal", "code"), ("postalcode",),
                         ("zip",), ("zipcode",), ("zip", "code"), ("commune",), ("ville",),
                         ("city",), ("rue",), ("voie",), ("street",), ("localite",))),
]
# Single tokens that mean one thing wherever they sit ("siretEtablissement", "nir_conjoint");
# other single tokens must end the name, multi-token sequences may sit anywhere.
_UNAMBIGUOUS = {"siret", "siren", "nir", "iban", "rfr", "allocataire", "numallocataire",
                "quotientfamilial", "numerofiscal", "datenaissance", "lieunaissance",
                "nomnaissance", "birthdate", "birthplace", "codepostal", "postalcode", "zipcode",
                "prenom", "prenoms", "firstname", "lastname", "familyname", "givenname",
                "surname"}
_TRAILING_QUALIFIERS = {"jour", "mois", "annee", "day", "month", "year", "input", "field",
                        "champ", "value", "txt", "text", "demandeur", "usager", "user",
                        "conjoint", "beneficiaire", "declarant"}
# Tokens saying an "adresse" is an e-mail or web address, not a postal one.
_NOT_POSTAL = {"mail", "email", "courriel", "electronique", "ip", "web", "url", "site"}

# Label rules (normalised text). Specific phrases may sit anywhere in the label; short or
# ambiguous words must open it, since hints are part of the label ("Nom d’usage — si
# différent du nom de naissance" is not a birth-name field).
_LABEL_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("reference_avis", re.compile(r"\breference (de l'|de votre |d'|du )?avis\b|"
                                  r"\breference fiscale\b")),
    ("revenu_fiscal_reference", re.compile(r"\brevenu fiscal\b|\brfr\b")),
    ("numero_fiscal", re.compile(r"\b(numero|n°|no|num\.?|identifiant) fiscal\b|"
                                 r"\bnumero d'identification fiscale\b|\bspi\b")),
    ("nir", re.compile(r"\bsecurite sociale\b|\bnir\b|\bnss\b|\bsecu\b")),
    ("numero_allocataire", re.compile(r"\ballocataire\b|\b(numero|n°|matricule) (caf|msa)\b")),
    ("quotient_familial", re.compile(r"\bquotient familial\b|\bqf\b")),
    ("siret_siren", re.compile(r"\bsire[nt]\b")),
    ("iban", re.compile(r"\biban\b|\bbic\b|\brib\b|\bcoordonnees bancaires\b|"
                        r"\breleve d'identite bancaire\b")),
    ("lieu_naissance", re.compile(r"^(votre |vos )?(lieu|commune|ville|pays|departement)\b"
                                  r".{0,40}\bde naissance\b")),
    ("date_naissance", re.compile(r"^(votre )?date de naissance\b|^ne\(?e?\)?\s*le\b")),
    ("prenoms", re.compile(r"^(votre |vos )?prenom")),
    ("sexe", re.compile(r"^(votre )?(sexe|genre|civilite)\b")),
    ("adresse_postale", re.compile(
        r"^(votre |vos )?(adresse(?! (e-?mail|mail|electronique|de courriel|courriel|ip|web|"
        r"du site|de messagerie))|code postal|commune|ville|localite|"
        r"numero et (libelle|nom) de (la )?(voie|rue)|complement d'adresse)\b")),
]
# "Nom", "Votre nom", "Nom de naissance (hint…)", "Nom et prénom" — not "Nom d’usage",
# "Nom de l’entreprise", "Nom et adresse du propriétaire".
_NAME_LABEL = re.compile(r"^(votre |vos )?noms?(?P<qualified> de naissance| de famille| "
                         r"patronymique)?(?P<rest>.*)$")
_NAME_LABEL_REJECT = (" d'", " de ", " du ", " des ", " et ", " commercial", " de l")

# Proofs, for file inputs (on the label, or on name/id tokens joined by spaces). Order
# matters: an "attestation de domicile" is a proof of address.
_PROOF_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("justificatif_avis_imposition", re.compile(
        r"\bavis\b.{0,25}\bimp(osition|ots?)\b|\basdir\b|avis de situation declarative")),
    ("justificatif_domicile", re.compile(r"\bdomicile\b|\bquittance\b")),
    ("justificatif_rib", re.compile(r"\brib\b|releve d'identite bancaire|\biban\b")),
    ("justificatif_kbis", re.compile(r"\bk ?bis\b")),
    ("justificatif_attestation", re.compile(
        r"\battestation\b(?!.{0,30}\bhonneur\b)|\bnotification\b.{0,30}\b(caf|msa|droits)\b")),
]

_NOT_FILLABLE = {"hidden", "submit", "button", "reset", "image"}
# Types that cannot hold any of the data items (e-mail and phone are not in the list).
_NOT_CLASSIFIED = {"email", "tel", "password", "url", "search", "color", "range", "checkbox"}
_SEARCH_NAMES = {"q", "query", "search", "recherche", "rechercher", "keywords", "keyword", "s",
                 "term", "terms", "motcle", "motscles", "mots"}


@dataclass
class Match:
    category: str
    how: str  # autocomplete, name_id, label, placeholder


def _tokens(value: str | None) -> tuple[str, ...]:
    """``nomNaissance_1`` → (nom, naissance, 1): camelCase, separators and digits split."""
    if not value:
        return ()
    value = re.sub(r"([a-z])([A-Z])", r"\1 \2", value)
    return tuple(re.findall(r"[a-z]+|[0-9]+", normalise_text(value)))


def _core_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    end = len(tokens)
    while end > 1 and (tokens[end - 1].isdigit() or tokens[end - 1] in _TRAILING_QUALIFIERS):
        end -= 1
    return tokens[:end]


def _by_autocomplete(value: str | None) -> str | None:
    tokens = [t for t in (value or "").lower().split() if t != "webauthn"]
    return _AUTOCOMPLETE.get(tokens[-1]) if tokens else None


def _has(tokens: tuple[str, ...], seq: tuple[str, ...]) -> bool:
    if tokens[-len(seq):] == seq:
        return True
    if len(seq) == 1:
        return seq[0] in _UNAMBIGUOUS and seq[0] in tokens
    return any(tokens[i:i + len(seq)] == seq for i in range(len(tokens) - len(seq) + 1))


def _by_name(value: str | None) -> str | None:
    tokens = _core_tokens(_tokens(value))
    if not tokens:
        return None
    for category, sequences in _NAME_RULES:
        for seq in sequences:
            if _has(tokens, seq):
                if category == "adresse_postale" and _NOT_POSTAL & set(tokens):
                    return None
                return category
    return None


def _is_name_label(label: str) -> bool:
    m = _NAME_LABEL.match(label)
    if not m:
        return False
    rest = m.group("rest")
    if m.group("qualified") or rest == "" or rest.startswith((" et prenom", ", prenom")):
        return True
    if rest[:1] not in (" ", "(", ":", "*", ",", "-"):
        return False  # "nombre", "nom@exemple.fr": another word
    return not rest.startswith(_NAME_LABEL_REJECT)


def _by_label(label: str | None) -> str | None:
    text = normalise_text(label or "")
    if not text:
        return None
    if _is_name_label(text):
        return "nom"
    for category, pattern in _LABEL_RULES:
        if pattern.search(text):
            return category
    return None


def _proof(text: str | None) -> str | None:
    text = normalise_text(text or "")
    for category, pattern in _PROOF_RULES:
        if text and pattern.search(text):
            return category
    return None


def classify(field: Field) -> Match | None:
    """What datum a form field asks for, if it is one the administration already holds."""
    kind = (field.get("type") or "").lower()
    if kind in _NOT_CLASSIFIED:
        return None
    if kind == "file":
        for value in (field.get("name"), field.get("id")):
            found = _proof(" ".join(_tokens(value)))
            if found:
                return Match(found, "name_id")
        for key, text in (("label", field.get("label")), ("placeholder", field.get("placeholder"))):
            found = _proof(text)
            if found:
                return Match(found, key)
        return None
    found = _by_autocomplete(field.get("autocomplete"))
    if found:
        return Match(found, "autocomplete")
    for value in (field.get("name"), field.get("id")):
        found = _by_name(value)
        if found:
            return Match(found, "name_id")
    for key, text in (("label", field.get("label")), ("placeholder", field.get("placeholder"))):
        found = _by_label(text)
        if found:
            return Match(found, key)
    return None


def _fillable(fields: list[Field]) -> list[Field]:
    """Fields a person fills in; a radio group counts once, consent checkboxes not at all."""
    out, radio_groups = [], set()
    for f in fields:
        kind = (f.get("type") or "").lower()
        if f.get("tag") not in ("input", "select", "textarea") or kind in _NOT_FILLABLE:
            continue
        if kind == "checkbox":
            continue
        if kind == "radio":
            group = f.get("name") or f.get("id")
            if group in radio_groups:
                continue
            radio_groups.add(group)
        out.append(f)
    return out


def form_kind(form: Form) -> str:
    """``demarche``, ``search``, ``login`` or ``other`` (one field, nothing recognised)."""
    fields = _fillable([f for f in form.get("fields") or [] if isinstance(f, dict)])
    for f in fields:
        names = {(f.get("name") or "").lower(), (f.get("id") or "").lower()}
        if (f.get("type") or "").lower() == "search" or names & _SEARCH_NAMES:
            return "search"
    if any((f.get("type") or "").lower() == "password" for f in fields) and len(fields) <= 3:
        return "login"
    if len(fields) >= 2 or any(classify(f) for f in fields):
        return "demarche"
    return "other"


def _form_key(form: Form) -> tuple[Any, ...]:
    # The same form seen in both viewports, or included on several pages, is asked once.
    fields = tuple((f.get("tag"), f.get("type"), f.get("name"), f.get("id"))
                   for f in form.get("fields") or [] if isinstance(f, dict))
    return (urldefrag(form.get("action") or "")[0], form.get("method"), fields)


def _form_label(form: Form) -> str:
    return str(form.get("selector") or (f"#{form['id']}" if form.get("id") else "form"))


def _field_label(field: Field) -> str:
    return str(field.get("name") or field.get("id") or field.get("label") or field.get("type"))


def _field_selector(form: Form, field: Field) -> str:
    field_id = field.get("id")
    if field_id and re.match(r"^[A-Za-z][\w-]*$", field_id):
        return f"#{field_id}"
    if field.get("name"):
        return f'{_form_label(form)} [name="{field["name"]}"]'
    return _form_label(form)


def _field_html(page_html: str | None, field: Field) -> str | None:
    """The field's own start tag in the stored HTML (escaped markup never matches ``<input``)."""
    if not page_html:
        return None
    for attr, value in (("id", field.get("id")), ("name", field.get("name"))):
        if not value:
            continue
        pattern = (rf"<{re.escape(field.get('tag') or 'input')}\b[^>]*\b{attr}="
                   rf"[\"']{re.escape(value)}[\"'][^>]*>")
        m = re.search(pattern, page_html, re.I)
        if m:
            return m.group(0)[:500]
    return None


def level_of(count: int) -> str:
    """The observatory's levels: 0–1 data items optimal, 2–4 partial, 5 or more low."""
    return "optimal" if count <= 1 else "partial" if count <= 4 else "low"


@dataclass
class Seen:
    capture: CaptureView
    form: Form
    matches: list[tuple[Field, Match]]


def _examined(captures: list[CaptureView]) -> tuple[list[Seen], list[CaptureView]]:
    """Démarche forms (deduplicated) and the captures searched."""
    seen: dict[tuple[Any, ...], Seen] = {}
    searched = []
    for capture in captures:
        collector = capture.collector
        if not isinstance(collector, dict):
            continue
        searched.append(capture)
        forms = collector.get("forms")
        for form in forms if isinstance(forms, list) else []:
            if not isinstance(form, dict) or form_kind(form) != "demarche":
                continue
            key = _form_key(form)
            if key in seen:
                continue
            matches, asked = [], set()
            for field in _fillable([f for f in form.get("fields") or [] if isinstance(f, dict)]):
                match = classify(field)
                if match and (match.category, _field_label(field)) not in asked:
                    asked.add((match.category, _field_label(field)))
                    matches.append((field, match))
            seen[key] = Seen(capture, form, matches)
    return list(seen.values()), searched


def _ordered(inputs: ServiceCaptures) -> list[CaptureView]:
    # Desktop first, so a form seen in both viewports is reported from its desktop capture.
    ok = inputs.ok()
    return [c for c in ok if c.viewport == "desktop"] + [c for c in ok if c.viewport != "desktop"]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n <= 1 else many}"


_DATA_KEYS = {
    "fields": "recognised fields: list of {page_url, form (selector), field (name, id or label), "
              "label, category, how (autocomplete, name_id, label or placeholder)}",
    "count": "number of distinct data items (categories) asked across the service's forms",
    "level": "observatory level: optimal (0–1), partial (2–4), low (5 or more); "
             "null when no démarche form was reachable",
    "categories": "the distinct data item ids counted (e.g. nir, adresse_postale)",
    "forms_examined": "démarche forms examined (deduplicated across viewports and pages): "
                      "list of {page_url, form}",
    "pages_searched": "number of captures whose forms were examined",
}


@check(
    "dlnuf-fields",
    version=1,
    title="Dites-le-nous une fois : données déjà détenues par l’administration",
    scope="service",
    references=("VDNE:dlnuf", "CRPA-L113-12", "CRPA-L114-8"),
    data_keys=_DATA_KEYS,
)
def dlnuf_fields_check(inputs: ServiceCaptures) -> Iterator[Finding]:
    forms, searched = _examined(_ordered(inputs))
    pages = [Evidence(kind="url", url=url)
             for url in dict.fromkeys(c.url for c in searched)]
    if not forms:
        yield Finding(
            outcome=Outcome.needs_review,
            message="Aucun formulaire de démarche accessible sans connexion : les données "
                    "demandées n’ont pas pu être examinées "
                    f"({_plural(len(pages), 'page parcourue', 'pages parcourues')} ; "
                    "les formulaires de recherche, de connexion et à un seul champ, comme "
                    "l’inscription à une lettre d’information, ne comptent pas).",
            data={"fields": [], "count": 0, "level": None, "categories": [],
                  "forms_examined": [], "pages_searched": len(searched)},
            evidence=pages,
        )
        return
    fields = [{"page_url": s.capture.url, "form": _form_label(s.form), "field": _field_label(f),
               "label": f.get("label") or f.get("placeholder") or None,
               "category": m.category, "how": m.how}
              for s in forms for f, m in s.matches]
    categories = sorted({m.category for s in forms for _, m in s.matches},
                        key=list(CATEGORIES).index)
    count, level = len(categories), level_of(len(categories))
    outcome = {"optimal": Outcome.passed, "partial": Outcome.needs_review,
               "low": Outcome.fail}[level]
    best = max(forms, key=lambda s: len({m.category for _, m in s.matches}))
    yield Finding(
        outcome=outcome,
        message=_message(level, count, categories, len(forms)),
        page_capture_id=best.capture.id,
        data={"fields": fields, "count": count, "level": level, "categories": categories,
              "forms_examined": [{"page_url": s.capture.url, "form": _form_label(s.form)}
                                 for s in forms],
              "pages_searched": len(searched)},
        evidence=_evidence(forms) or [Evidence(kind="node", url=s.capture.url,
                                               selector=_form_label(s.form))
                                      for s in forms],
    )


def _message(level: str, count: int, categories: list[str], forms: int) -> str:
    where = _plural(forms, "formulaire de démarche accessible sans connexion",
                    "formulaires de démarche accessibles sans connexion")
    if not categories:
        return (f"Aucune donnée déjà détenue par l’administration n’est demandée dans {where} "
                "(niveau optimal « Dites-le-nous une fois »).")
    asked = ", ".join(CATEGORIES[c] for c in categories)
    wording = {"optimal": "niveau optimal", "partial": "niveau partiel, à vérifier",
               "low": "niveau faible"}[level]
    items = _plural(count, "donnée déjà détenue par l’administration demandée",
                    "données déjà détenues par l’administration demandées")
    return f"{items} dans {where} : {asked} ({wording} « Dites-le-nous une fois »)."


def _evidence(forms: list[Seen]) -> list[Evidence]:
    out = []
    for s in forms:
        for field, match in s.matches:
            out.append(Evidence(
                kind="node", url=s.capture.url, selector=_field_selector(s.form, field),
                snippet=_field_html(s.capture.html, field),
                extra={"category": match.category, "how": match.how,
                       "label": field.get("label") or None, "form": _form_label(s.form)},
            ))
    return out[:MAX_FIELDS_AS_EVIDENCE]
