"""The column sets a tabular service list may use, and the role each column plays.

Three sets are read, told apart by their headers:

- ``vigie``: Vigie's own names (``id``, ``name``, ``start_url``…) and those of the
  observatory's older CSV export (``Ref_Demarche``, ``Nom_Ministere``…);
- ``open-data``: the observatory's 2025 open-data export (``ID_Demarche``, ``Taux_Audit_RGAA``…);
- ``grist``: the columns of the observatory's Grist table, read by its public site
  (``id``, ``Nom_demarche_AT_``, ``Dashlord_UpDown_disponibilite``…).

A role is a `ServiceSpec` field (`IDENTITY_ROLES`) or a published value stored in `declared`
(`services.published`). `vigie export indicators --columns SET` writes the same names back.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from core.text import fold_to_ascii

IDENTITY_ROLES = ("id", "ref", "name", "start_url", "extra_urls", "ministry", "administration",
                  "jdma_id", "schedule")
# Published values whose column is also where Vigie writes its measured level back (the
# indicator's observatory column): the export puts Vigie's label there, not the imported one.
INDICATOR_ROLES = {"handicap": "handicap", "franceconnect": "auth", "dlnuf_label": "dlnuf"}


@dataclass(frozen=True)
class ColumnSet:
    name: str
    columns: dict[str, str]  # column name -> role, in the order the observatory writes them

    def column_of(self, role: str) -> str | None:
        return next((c for c, r in self.columns.items() if r == role), None)


VIGIE = ColumnSet("vigie", {
    "Ref_Demarche": "ref",
    "Nom_Demarche": "name",
    "URL_Demarche": "start_url",
    "Nom_Ministere": "ministry",
    "Nom_Administration": "administration",
    "Dashlord_ID_JDMA": "jdma_id",
    "Taux_RGAA_Publie": "rgaa_rate",
    "FranceConnect": "franceconnect",
    **{name: name for name in ("id", "name", "start_url", "extra_urls", "ministry",
                               "administration", "jdma_id", "schedule")},
})
OPEN_DATA = ColumnSet("open-data", {
    "Nom_Demarche": "name",
    "ID_Demarche": "ref",
    "Perimetre_ministeriel_(AC/SG)": "ministerial_scope",
    "Ministere_politique": "ministry",
    "Ref_Administration": "administration",
    "Statut_En_ligne": "online_status",
    "Categories_Usagers": "user_categories",
    "Volumetrie_Totale": "volume_total",
    "Volumetrie_En_Ligne": "volume_online",
    "pct_Recours_au_Numerique": "digital_rate",
    "Note_Satisfaction": "satisfaction",
    "Prise_en_compte_Handicap": "handicap",
    "Taux_Audit_RGAA": "rgaa_rate",
    "Date_Publication_Declaration_(rouge_:_perimee_;_orange_:_bientôt_perimee)":
        "declaration_date",
    "Note_Clarte_Langage": "plain_language",
    "Niveau_Autonomie": "autonomy",
    "Aide_Joignable": "help_reachable",
    "Aide_Efficace": "help_effective",
    "FranceConnect": "franceconnect",
    "Score_DLNUF": "dlnuf_score",
    "Taux_Dispo": "availability_rate",
    "Tps_Moy_Chargement": "load_time",
    "URL_Demarche": "start_url",
})
GRIST = ColumnSet("grist", {
    "id": "ref",  # the observatory's numeric row id, not a Vigie slug
    "URL_Demarche": "start_url",
    "Nom_demarche_AT_": "name",
    "Administration_AT_": "administration",
    "Min_politique_AT_": "ministry",
    "Volumetrie_Totale": "volume_total",
    "Statut_En_ligne": "online_status",
    "Note_Satisfaction": "satisfaction",
    "Note_Clarte_Langage": "plain_language",
    "Aide_Joignable": "help_reachable",
    "Aide_Efficace": "help_effective",
    "Niveau_d_Autonomie": "autonomy",
    "Dashlord_UpDown_disponibilite": "availability_rate",
    "Dashlord_UpDown_temps_de_reponse": "load_time",
    "Prise_En_Compte_Handicap": "handicap",
    "DLNUF_pour_publication_": "dlnuf_label",
    "Tx_Recours_Demat": "digital_rate",
    "FranceConnect": "franceconnect",
    "MaJ_Manuelle_Satisfaction": "satisfaction_manual",
})
COLUMN_SETS = {s.name: s for s in (VIGIE, OPEN_DATA, GRIST)}
REF_SLUG_PREFIX = "demarche-"  # reference "12345" -> id "demarche-12345"


def column_key(name: str) -> str:
    """How column names are compared: "Nom Ministère" matches "Nom_Ministere"."""
    ascii_name = fold_to_ascii(name)
    return re.sub(r"[\s-]+", "_", ascii_name.strip().lower())


# Column key -> (canonical name, role), over every set; `id` is resolved per file (`roles_for`).
KNOWN: dict[str, tuple[str, str]] = {}
for _set in (GRIST, OPEN_DATA, VIGIE):  # the last one wins: Vigie's `id` is the default
    KNOWN.update({column_key(c): (c, r) for c, r in _set.columns.items()})
_ONLY_IN = {s.name: {column_key(c) for c in s.columns} - {
    column_key(c) for o in COLUMN_SETS.values() if o is not s for c in o.columns}
    for s in COLUMN_SETS.values()}


def detect_set(header: list[str]) -> ColumnSet:
    """The set whose own columns (those no other set has) the header holds most of;
    Vigie's when none."""
    keys = {column_key(name) for name in header}
    counts = Counter({name: len(keys & only) for name, only in _ONLY_IN.items()})
    best, count = counts.most_common(1)[0]
    return COLUMN_SETS[best] if count else VIGIE


def role_of(key: str, column_set: ColumnSet) -> str | None:
    """The role of a column (by key) in a file of ``column_set``; None: not a known column."""
    if key == "id":
        return "ref" if column_set is GRIST else "id"
    known = KNOWN.get(key)
    return known[1] if known else None
