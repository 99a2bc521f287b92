"""The indicator registry: one decorator, one list of indicator modules (``INDICATOR_MODULES``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from indicators.model import NEEDS_REVIEW, NOT_MEASURED, Level, Result, ScanFindings

RuleFunc = Callable[[ScanFindings], Result]

# The one place where indicator modules are listed, in the order reports show them:
# the observatory's indicators first, then Vigie's own (« non officiel »).
INDICATOR_MODULES = (
    "indicators.online",
    "indicators.satisfaction",
    "indicators.handicap",
    "indicators.dlnuf",
    "indicators.auth",
    "indicators.alternative",
    "indicators.mobile",
    "indicators.dsfr",
    "indicators.availability",
    "indicators.plain_language",
)

_REGISTRY: dict[str, IndicatorSpec] = {}


@dataclass(frozen=True)
class IndicatorSpec:
    slug: str
    version: int
    title: str  # French, as the observatory names it when official
    official: bool  # an observatory indicator; False: Vigie's own, shown « non officiel »
    column: str | None  # the observatory's column holding its label; None: no such column
    checks: tuple[str, ...]  # the checks whose findings it reads
    levels: tuple[Level, ...]  # its own levels, best first
    rule: RuleFunc

    def level(self, code: str) -> Level:
        for level in (*self.levels, *COMMON_LEVELS):
            if level.code == code:
                return level
        raise KeyError(f"indicator {self.slug!r} has no level {code!r}")

    def evaluate(self, findings: ScanFindings) -> Result:
        result = self.rule(findings)
        self.level(result.level)  # an unknown level is a bug in the rule: fail loudly
        return result


COMMON_LEVELS = (
    Level(NEEDS_REVIEW, "À vérifier", "gray",
          "Vigie a trouvé des indices sans pouvoir conclure : une personne doit vérifier."),
    Level(NOT_MEASURED, "Non mesuré", "gray",
          "Aucun constat exploitable pendant ce passage (page non capturée ou contrôle en "
          "erreur)."),
)


def indicator(slug: str, *, version: int, title: str, official: bool, checks: tuple[str, ...],
              levels: tuple[Level, ...], column: str | None = None
              ) -> Callable[[RuleFunc], RuleFunc]:
    def register(func: RuleFunc) -> RuleFunc:
        if slug in _REGISTRY and _REGISTRY[slug].rule is not func:
            raise ValueError(f"indicator {slug!r} registered twice")
        _REGISTRY[slug] = IndicatorSpec(slug, version, title, official, column, checks, levels,
                                        func)
        return func

    return register


def all_indicators() -> list[IndicatorSpec]:
    """Every indicator, in ``INDICATOR_MODULES`` order."""
    for module in INDICATOR_MODULES:
        importlib.import_module(module)
    order = [m.rsplit(".", 1)[1] for m in INDICATOR_MODULES]
    return sorted(_REGISTRY.values(), key=lambda s: order.index(s.slug))


def get_indicator(slug: str) -> IndicatorSpec:
    for spec in all_indicators():
        if spec.slug == slug:
            return spec
    raise KeyError(f"unknown indicator {slug!r}")
