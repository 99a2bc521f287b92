"""core.text: one accent folding for matchers, slugs and column keys."""

from __future__ import annotations

import pytest

from core.text import fold_accents, fold_to_ascii, normalise_text
from services.csv_format import column_key
from services.fields import slugify

# (text, fold_accents, fold_to_ascii, slugify, column_key): slugs are service ids and column
# keys match observatory CSV headers, so their values are pinned, odd ones included (« Œ »).
CASES = [
    ("Œuvre", "Œuvre", "uvre", "uvre", "uvre"),
    ("Île-de-France", "Ile-de-France", "Ile-de-France", "ile-de-france", "ile_de_france"),
    ("Démarche n°3", "Demarche n°3", "Demarche n3", "demarche-n3", "demarche_n3"),
    ("Ref_Démarche", "Ref_Demarche", "Ref_Demarche", "ref-demarche", "ref_demarche"),
    ("Nom Ministère", "Nom Ministere", "Nom Ministere", "nom-ministere", "nom_ministere"),
    ("ﬁchier ½", "fichier 1⁄2", "fichier 12", "fichier-12", "fichier_12"),
    ("straße", "straße", "strae", "strae", "strae"),
]


@pytest.mark.parametrize(("text", "accents", "ascii_", "slug", "key"), CASES)
def test_folding_keeps_slugs_and_column_keys(text: str, accents: str, ascii_: str, slug: str,
                                             key: str) -> None:
    assert fold_accents(text) == accents
    assert fold_to_ascii(text) == ascii_ == fold_accents(text).encode("ascii", "ignore").decode()
    assert slugify(text) == slug
    assert column_key(text) == key


def test_normalise_text_folds_accents_case_apostrophes_and_spaces() -> None:
    text = "  Accessibilité\u00a0:\u202fl’Œuvre  ÉTÉ "
    assert normalise_text(text) == "accessibilite : l'œuvre ete"
