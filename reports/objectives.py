"""The government's dated objectives for the essential online services, as data, and how one
service scan is judged against each: met, not met, or Vigie cannot tell.

Pure: it reads what one scan gave (indicator levels, RGAA failures counted by axe-core) and
what the observatory publishes about the service (``declared``, docs/services.md); it never
touches storage, so the report, the exports and the tests judge alike. Each objective says what
Vigie can see of it and what it cannot; a rule concludes only on that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from reports.site.labels import as_number, number_fr

MET, NOT_MET, UNKNOWN, NOT_APPLICABLE = "met", "not_met", "unknown", "not_applicable"
STATUSES = (MET, NOT_MET, UNKNOWN, NOT_APPLICABLE)
STATUS_FR = {MET: "Atteint", NOT_MET: "Non atteint", UNKNOWN: "Indéterminé",
             NOT_APPLICABLE: "Non concerné"}
NO_ONLINE_SERVICE = "pas de démarche en ligne"


@dataclass(frozen=True)
class Evidence:
    """What a rule may read about one service in one run."""

    levels: Mapping[str, str] = field(default_factory=dict)  # indicator slug -> level code
    declared: Mapping[str, Any] = field(default_factory=dict)  # published values
    rgaa_failed: int = 0  # axe-core violations referencing an RGAA test
    online: bool = True  # False: the registry has no start URL for it, nothing was scanned


@dataclass(frozen=True)
class Verdict:
    status: str  # one of STATUSES
    reason: str  # French, one sentence
    indicators: tuple[str, ...] = ()  # indicator slugs the verdict rests on
    declared: tuple[str, ...] = ()  # published keys the verdict rests on


Rule = Callable[[Evidence], Verdict]


@dataclass(frozen=True)
class Objective:
    id: str
    title: str  # French
    deadline: date  # the last day of the period the government set
    deadline_fr: str  # as the government words it: « décembre 2023 », « été 2024 »
    indicators: tuple[str, ...]  # indicators it reads
    declared_keys: tuple[str, ...]  # published values it reads
    sees: str  # French: what Vigie can see of it
    cannot_see: str  # French: what it cannot
    statuses: tuple[str, ...]  # the statuses its rule can give, in display order
    rule: Rule

    def evaluate(self, evidence: Evidence) -> Verdict:
        verdict = self.rule(evidence)
        if verdict.status not in self.statuses:  # a rule giving another status is a bug
            raise ValueError(f"objective {self.id!r} gave status {verdict.status!r}")
        return verdict

    def passed(self, on: date) -> bool:
        """Whether the deadline is over on ``on`` (the run's date)."""
        return on > self.deadline


def _offline() -> Verdict:
    return Verdict(UNKNOWN,
                   "Inscrite sans adresse en ligne : aucune page à examiner.")


def franceconnect(ev: Evidence) -> Verdict:
    if not ev.online:
        return _offline()
    level = ev.levels.get("auth")
    if level in ("franceconnect", "franceconnect_plus"):
        name = "FranceConnect+" if level == "franceconnect_plus" else "FranceConnect"
        return Verdict(MET, f"Bouton {name} trouvé sur les pages visitées.", ("auth",))
    if level == "needs_review" and ev.declared.get("franceconnect") is False:
        return Verdict(NOT_MET, "Aucun bouton FranceConnect sur les pages visitées, et "
                       "l’observatoire publie « Non ».", ("auth",), ("franceconnect",))
    if level == "needs_review":
        return Verdict(UNKNOWN, "Aucun bouton FranceConnect sur les pages publiques visitées "
                       "(la connexion est souvent plus loin dans la démarche).", ("auth",))
    return Verdict(UNKNOWN, "Authentification non mesurée pendant ce passage.", ("auth",))


def franceconnect_plus(ev: Evidence) -> Verdict:
    if not ev.online:
        return _offline()
    level = ev.levels.get("auth")
    sensitive = ev.declared.get("sensitive")
    if level == "franceconnect_plus":
        return Verdict(MET, "Bouton FranceConnect+ trouvé sur les pages visitées.", ("auth",))
    if sensitive is False:
        return Verdict(NOT_APPLICABLE, "Démarche déclarée non sensible.", (), ("sensitive",))
    if sensitive is True and level == "franceconnect":
        return Verdict(NOT_MET, "Démarche déclarée sensible : bouton FranceConnect trouvé, "
                       "mais pas FranceConnect+.", ("auth",), ("sensitive",))
    if sensitive is True:
        return Verdict(UNKNOWN, "Démarche déclarée sensible : FranceConnect+ non détecté sur "
                       "les pages visitées.", ("auth",), ("sensitive",))
    return Verdict(UNKNOWN, "Vigie ne sait pas si la démarche est sensible (non déclaré) et "
                   "n’a pas trouvé de bouton FranceConnect+.", ("auth",))


def satisfaction(ev: Evidence) -> Verdict:
    level = ev.levels.get("satisfaction")
    button = {"button_found": "bouton « Je donne mon avis » présent",
              "other_product": "bouton « Je donne mon avis » d’une autre démarche"}.get(
                  level or "", "bouton « Je donne mon avis » non trouvé sur les pages visitées"
                  if ev.online else "aucune page visitée")
    rating = as_number(ev.declared.get("satisfaction"))
    used = ("satisfaction",) if ev.online else ()
    if rating is not None:
        status = MET if rating > 8 else NOT_MET
        return Verdict(status, f"Note publiée par l’observatoire : {number_fr(rating)}/10 "
                       f"({button}).", used, ("satisfaction",))
    return Verdict(UNKNOWN, f"Aucune note publiée ; Vigie ne lit pas les avis ({button}).", used)


def alternative(ev: Evidence) -> Verdict:
    if not ev.online:
        return _offline()
    level = ev.levels.get("alternative")
    found = {"phone_and_desk": "un téléphone et un accueil physique", "phone": "un téléphone",
             "desk": "un accueil physique"}.get(level or "")
    if found:
        return Verdict(MET, f"Les pages visitées affichent {found} propres au service.",
                       ("alternative",))
    if level == "needs_review":
        return Verdict(UNKNOWN, "Ni téléphone ni accueil trouvés sur les pages visitées : une "
                       "personne doit vérifier.", ("alternative",))
    return Verdict(UNKNOWN, "Alternative non mesurée pendant ce passage.", ("alternative",))


def rgaa(ev: Evidence) -> Verdict:
    if not ev.online:
        return _offline()
    level = ev.levels.get("handicap")
    published = as_number(ev.declared.get("rgaa_rate"))
    if ev.rgaa_failed:
        return Verdict(NOT_MET, f"{ev.rgaa_failed} violation(s) axe-core de tests RGAA sur les "
                       "pages visitées.", ("handicap",))
    if level == "partiel":
        return Verdict(NOT_MET, "La déclaration d’accessibilité annonce un taux inférieur à "
                       "100 %.", ("handicap",))
    if level == "non":
        return Verdict(NOT_MET, "Déclaration d’accessibilité absente, non recevable, ou taux "
                       "inférieur à 50 %.", ("handicap",))
    if published is not None and published < 100:
        return Verdict(NOT_MET, f"Taux de conformité publié par l’observatoire : "
                       f"{number_fr(published)} %.", ("handicap",), ("rgaa_rate",))
    if level == "oui":
        return Verdict(MET, "Déclarée totalement conforme, et aucun test RGAA invalidé par "
                       "les tests automatiques (qui n’en couvrent qu’une partie).", ("handicap",))
    return Verdict(UNKNOWN, "Déclaration d’accessibilité à vérifier ou non examinée, sans "
                   "violation automatique relevée.", ("handicap",))


def plain_language(ev: Evidence) -> Verdict:
    rating = as_number(ev.declared.get("plain_language"))
    estimate = {"easy": "facile", "fairly_hard": "plutôt difficile", "hard": "difficile"}.get(
        ev.levels.get("plain_language") or "")
    hint = f" (estimation de lisibilité de Vigie : {estimate})" if estimate else ""
    used = ("plain_language",) if estimate else ()
    if rating is not None:
        return Verdict(MET if rating > 8 else NOT_MET, f"Note de clarté publiée par "
                       f"l’observatoire : {number_fr(rating)}/10{hint}.", used, ("plain_language",))
    return Verdict(UNKNOWN, f"Aucune note publiée ; Vigie n’a que son estimation, qui n’est "
                   f"pas l’avis des usagers{hint}.", used)


def online(ev: Evidence) -> Verdict:
    if not ev.online:
        return Verdict(NOT_MET, "Inscrite sans adresse en ligne : la démarche ne se fait pas "
                       "en ligne.")
    status = ev.declared.get("online_status")
    if status in ("partiel", "non"):
        label = ev.declared.get("online_status_label") or status
        return Verdict(NOT_MET, f"L’observatoire publie « {label} ».", ("online",),
                       ("online_status",))
    level = ev.levels.get("online")
    if level == "way_in_found":
        return Verdict(MET, "La page de départ répond et offre un accès en ligne (connexion "
                       "ou formulaire) ; Vigie ne suit pas la démarche jusqu’au bout.",
                       ("online",))
    if level == "unreachable":
        return Verdict(UNKNOWN, "Page de départ injoignable pendant ce passage.", ("online",))
    return Verdict(UNKNOWN, "Aucun accès en ligne trouvé sur la page de départ, ou non "
                   "mesuré : à vérifier.", ("online",))


def dlnuf(ev: Evidence) -> Verdict:
    if not ev.online:
        return _offline()
    level = ev.levels.get("dlnuf")
    if level == "optimal":
        return Verdict(MET, "Les formulaires examinés demandent au plus une donnée déjà "
                       "détenue par l’administration (niveau « Optimal »).", ("dlnuf",))
    if level in ("partiel", "faible"):
        return Verdict(NOT_MET, "Les formulaires examinés demandent plusieurs données déjà "
                       "détenues par l’administration.", ("dlnuf",))
    return Verdict(UNKNOWN, "Aucun formulaire de démarche examiné sur les pages visitées.",
                   ("dlnuf",))


_ALL = (MET, NOT_MET, UNKNOWN)

OBJECTIVES: tuple[Objective, ...] = (
    Objective(
        "franceconnect", "Toutes les démarches accessibles avec FranceConnect ou FranceConnect+",
        date(2023, 12, 31), "décembre 2023", ("auth",), ("franceconnect",),
        "Les boutons FranceConnect et FranceConnect+ des pages publiques visitées.",
        "La connexion placée plus loin dans la démarche, derrière un compte : sans bouton "
        "trouvé, Vigie ne conclut « non atteint » que si l’observatoire publie « Non ».",
        _ALL, franceconnect),
    Objective(
        "franceconnect_plus", "Toutes les démarches sensibles accessibles avec FranceConnect+",
        date(2023, 12, 31), "décembre 2023", ("auth",), ("sensitive",),
        "Les boutons FranceConnect+ des pages publiques visitées.",
        "Quelles démarches sont sensibles : Vigie ne le sait que si la liste des services le "
        "déclare (declared.sensitive) ; sinon, sans bouton FranceConnect+, elle ne conclut pas.",
        (*_ALL, NOT_APPLICABLE), franceconnect_plus),
    Objective(
        "satisfaction", "Satisfaction des usagers supérieure à 8/10", date(2024, 9, 21),
        "été 2024", ("satisfaction",), ("satisfaction",),
        "La présence du bouton « Je donne mon avis » (JDMA), qui recueille les avis.",
        "Les notes des usagers, que seul JDMA connaît : atteint ou non selon la note publiée "
        "par l’observatoire, indéterminé sans elle.",
        _ALL, satisfaction),
    Objective(
        "alternative", "Une alternative non numérique (accueil ou téléphone) affichée partout",
        date(2024, 12, 31), "décembre 2024", ("alternative",), (),
        "Un numéro de téléphone ou un accueil physique propres au service sur les pages "
        "visitées (contact, aide, mentions).",
        "Les pages qu’elle n’a pas visitées : sans téléphone ni accueil trouvé, une personne "
        "doit vérifier (indéterminé, jamais « non atteint »).",
        _ALL, alternative),
    Objective(
        "rgaa", "100 % de conformité au RGAA", date(2025, 12, 31), "décembre 2025",
        ("handicap",), ("rgaa_rate",),
        "La déclaration d’accessibilité (niveau, taux) et les tests RGAA invalidés par "
        "axe-core sur les pages visitées.",
        "Les critères que les tests automatiques ne couvrent pas : « atteint » veut dire "
        "déclaré conforme à 100 % sans violation automatique, jamais conformité prouvée.",
        _ALL, rgaa),
    Objective(
        "plain_language", "Simplicité du langage supérieure à 8/10", date(2025, 12, 31),
        "décembre 2025", ("plain_language",), ("plain_language",),
        "Une estimation de lisibilité des textes (indice de Flesch adapté au français).",
        "La note de clarté donnée par les usagers : atteint ou non selon la note publiée par "
        "l’observatoire ; l’estimation de Vigie n’est qu’un indice.",
        _ALL, plain_language),
    Objective(
        "online", "Toutes les démarches entièrement en ligne", date(2026, 12, 31),
        "décembre 2026", ("online",), ("online_status",),
        "La page de départ et un accès en ligne (bouton de connexion ou formulaire).",
        "La démarche jusqu’à son dépôt : « atteint » veut dire un accès en ligne trouvé sans "
        "que l’observatoire publie « partiellement » ou « pas en ligne ». Une démarche sans "
        f"adresse en ligne ({NO_ONLINE_SERVICE}) est « non atteint ».",
        _ALL, online),
    Objective(
        "dlnuf", "Ne plus demander les données déjà détenues par l’administration (Dites-le-"
        "nous une fois)", date(2026, 12, 31), "décembre 2026", ("dlnuf",), (),
        "Les champs des formulaires de démarche visités qui demandent une donnée déjà détenue "
        "(niveau « Optimal » : au plus une).",
        "Les formulaires placés derrière une connexion, et les justificatifs demandés hors "
        "formulaire.",
        _ALL, dlnuf),
)


def get_objective(objective_id: str) -> Objective:
    for objective in OBJECTIVES:
        if objective.id == objective_id:
            return objective
    raise KeyError(f"unknown objective {objective_id!r}")


def evaluate_all(evidence: Evidence) -> dict[str, Verdict]:
    """Every objective's verdict for one service scan."""
    return {o.id: o.evaluate(evidence) for o in OBJECTIVES}
