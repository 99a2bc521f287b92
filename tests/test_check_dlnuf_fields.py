"""The `dlnuf-fields` check (« Dites-le-nous une fois ») on saved captures, without a browser."""

from __future__ import annotations

from typing import Any

import pytest

from checks.dlnuf_fields import classify, dlnuf_fields_check, form_kind, level_of
from checks.inputs import CaptureView
from checks.model import Finding, Outcome
from checks.registry import get_check
from checks.runner import evaluate
from storage.artifacts import ArtifactStore
from tests.checkkit import load, service, view
from tests.checkkit import saved as checkkit_saved

CHECK = "dlnuf-fields"


def saved(name: str) -> dict[str, Any]:
    return checkkit_saved(CHECK, name)


def judge(*captures: CaptureView) -> Finding:
    findings = list(dlnuf_fields_check(service(list(captures))))
    assert len(findings) == 1  # one finding per service scan
    return findings[0]


def by_field(finding: Finding) -> dict[str, tuple[str, str]]:
    return {f["field"]: (f["category"], f["how"]) for f in finding.data["fields"]}


def test_heavy_form_is_low_level_and_fails(store: ArtifactStore) -> None:
    capture = load(store, CHECK, "formulaire-lourd")
    finding = judge(capture)
    assert finding.outcome is Outcome.fail
    assert finding.data["level"] == "low" and finding.data["count"] == 15
    assert {"nir", "numero_fiscal", "revenu_fiscal_reference", "numero_allocataire", "iban",
            "justificatif_avis_imposition", "justificatif_domicile"} <= set(
        finding.data["categories"])
    fields = by_field(finding)
    # Street, postal code and city are three inputs but one datum, the postal address.
    assert [fields[f][0] for f in ("adresse", "code-postal", "commune")] == ["adresse_postale"] * 3
    assert "nom-usage" not in fields and "parts" not in fields and "piece-identite" not in fields
    assert "proprietaire" not in fields  # the owner's name and address: not the user's data
    assert finding.page_capture_id == capture.id
    nir = next(e for e in finding.evidence if e.selector == "#nir")
    assert nir.snippet and nir.snippet.startswith("<input") and 'name="nir"' in nir.snippet
    assert nir.extra["category"] == "nir" and nir.url == capture.url
    assert "numéro de sécurité sociale" in finding.message and "niveau faible" in finding.message


def test_same_form_in_both_viewports_is_counted_once(store: ArtifactStore) -> None:
    desktop = load(store, CHECK, "formulaire-lourd")
    mobile = load(store, CHECK, "formulaire-lourd.mobile")
    assert mobile.viewport == "mobile"
    alone = judge(desktop)
    both = judge(mobile, desktop)  # order of captures does not matter
    assert both.data["count"] == alone.data["count"] == 15
    assert len(both.data["fields"]) == len(alone.data["fields"])
    assert len(both.data["forms_examined"]) == 1 and both.data["pages_searched"] == 2
    assert both.page_capture_id == desktop.id  # reported from the desktop capture


def test_proof_uploads_count(store: ArtifactStore) -> None:
    finding = judge(load(store, CHECK, "justificatifs"))
    assert finding.outcome is Outcome.fail and finding.data["count"] == 5
    assert by_field(finding) == {
        "p0": ("nom", "label"),
        "p2": ("justificatif_avis_imposition", "label"),
        "p3": ("justificatif_domicile", "label"),
        "p4": ("justificatif_attestation", "label"),
        "p5": ("justificatif_rib", "label"),
    }  # an identity document and a sworn statement are not held by the administration
    upload = next(e for e in finding.evidence if e.selector == "#p3")
    assert upload.snippet and 'type="file"' in upload.snippet


@pytest.mark.parametrize(("name", "count"), [
    ("contact-leger", 0), ("contact-nom", 1), ("code-cite", 0)])
def test_light_forms_are_optimal_and_pass(store: ArtifactStore, name: str, count: int) -> None:
    finding = judge(load(store, CHECK, name))
    assert finding.outcome is Outcome.passed
    assert finding.data["level"] == "optimal" and finding.data["count"] == count
    assert len(finding.data["forms_examined"]) == 1  # the header search form is not one
    assert finding.evidence and "niveau optimal" in finding.message


def test_quoted_form_markup_never_counts(store: ArtifactStore) -> None:
    capture = load(store, CHECK, "code-cite")
    assert capture.html and "&lt;input id=\"nir\" name=\"nir\"" in capture.html
    finding = judge(capture)
    assert finding.data["fields"] == [] and finding.data["categories"] == []
    assert finding.data["forms_examined"][0]["page_url"] == capture.url


@pytest.mark.parametrize("name", ["recherche-seule", "connexion"])
def test_no_demarche_form_needs_review(store: ArtifactStore, name: str) -> None:
    capture = load(store, CHECK, name)
    finding = judge(capture)
    assert finding.outcome is Outcome.needs_review
    assert finding.data["level"] is None and finding.data["count"] == 0
    assert "Aucun formulaire de démarche accessible sans connexion" in finding.message
    assert [(e.kind, e.url) for e in finding.evidence] == [("url", capture.url)]


def test_same_datum_on_two_forms_counts_once(store: ArtifactStore) -> None:
    data = saved("contact-nom")
    other = {**data, "url": "http://fixture.test/autre.html"}
    other["collector"] = {**data["collector"], "forms": [
        {**form, "action": "http://fixture.test/autre"} for form in data["collector"]["forms"]]}
    finding = judge(view(store, data), view(store, other))
    assert len(finding.data["forms_examined"]) == 2 and len(finding.data["fields"]) == 2
    assert finding.data["count"] == 1 and finding.outcome is Outcome.passed


def test_bad_data_never_raises(store: ArtifactStore) -> None:
    broken = saved("contact-leger")
    broken["collector"] = {"forms": [None, "x", {"fields": None}, {"fields": [None, 3]}]}
    no_collector = {**saved("contact-leger"), "collector": None}
    failed = {**saved("formulaire-lourd"), "outcome": "timeout"}
    finding = judge(view(store, broken), view(store, no_collector), view(store, failed))
    assert finding.outcome is Outcome.needs_review and finding.data["pages_searched"] == 1
    assert judge().outcome is Outcome.needs_review  # nothing captured at all


@pytest.mark.parametrize(("field", "expected"), [
    ({"type": "text", "name": "x", "label": "Nom d’usage Si différent du nom de naissance"}, None),
    ({"type": "text", "name": "x", "label": "Nom de naissance du demandeur"}, "nom"),
    ({"type": "text", "name": "x", "label": "NOM\u00a0:"}, "nom"),
    ({"type": "text", "name": "x", "label": "Nom et prénom"}, "nom"),
    ({"type": "number", "name": "x", "label": "Nombre de parts fiscales"}, None),
    ({"type": "text", "name": "x", "label": "Adresse e-mail"}, None),
    ({"type": "email", "name": "x", "placeholder": "nom@exemple.fr"}, None),
    ({"type": "text", "name": "x", "label": "Commune et département de naissance"},
     "lieu_naissance"),
    ({"type": "text", "name": "x", "autocomplete": "shipping postal-code"}, "adresse_postale"),
    ({"type": "text", "name": "dateNaissance_jour"}, "date_naissance"),
    ({"type": "text", "name": "code_insee_commune"}, "adresse_postale"),
    ({"type": "text", "name": "nir_conjoint"}, "nir"),
    ({"type": "file", "name": "x", "label": "Attestation sur l’honneur"}, None),
    ({"type": "file", "name": "avis_non_imposition"}, "justificatif_avis_imposition"),
    ({"type": "file", "name": "x", "label": "Extrait Kbis de moins de 3 mois"},
     "justificatif_kbis"),
    ({"type": "checkbox", "name": "nir", "label": "J’accepte"}, None),
])
def test_classify(field: dict[str, Any], expected: str | None) -> None:
    match = classify(field)
    assert (match.category if match else None) == expected


@pytest.mark.parametrize(("fields", "kind"), [
    ([{"tag": "input", "type": "text", "name": "q"}], "search"),
    ([{"tag": "input", "type": "search", "name": "x"}, {"tag": "select", "type": "select"}],
     "search"),
    ([{"tag": "input", "type": "email", "name": "newsletter"}], "other"),
    ([{"tag": "input", "type": "text", "name": "user"},
      {"tag": "input", "type": "password", "name": "pwd"}], "login"),
    ([{"tag": "input", "type": "text", "name": "numero_fiscal"}], "demarche"),
    # A radio group is one field: two radios of one group are not a two-field form.
    ([{"tag": "input", "type": "radio", "name": "choix"}, {"tag": "input", "type": "radio",
                                                            "name": "choix"}], "other"),
])
def test_form_kind(fields: list[dict[str, Any]], kind: str) -> None:
    assert form_kind({"fields": fields}) == kind


@pytest.mark.parametrize(("count", "level"), [
    (0, "optimal"), (1, "optimal"), (2, "partial"), (4, "partial"), (5, "low"), (12, "low")])
def test_observatory_levels(count: int, level: str) -> None:
    assert level_of(count) == level


def test_registered_as_a_service_check_with_contract_data_keys(store: ArtifactStore) -> None:
    spec = get_check(CHECK)
    assert spec.scope == "service" and spec.version == 1
    assert {"fields", "count", "level"} <= set(spec.data_keys)
    findings = evaluate(spec, service([load(store, CHECK, "formulaire-lourd")]))
    assert [f.outcome for f in findings] == [Outcome.fail]
    assert set(findings[0].data) <= set(spec.data_keys)
