"""The check registry: one decorator, one catalogue of check modules (``CHECK_MODULES``)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from checks.model import Finding

Scope = Literal["page", "service"]
CheckFunc = Callable[[Any], Iterable[Finding]]

# The one place where check modules are listed; each registers itself with @check.
CHECK_MODULES = (
    "checks.axe",
    "checks.a11y_declaration.check",
    "checks.auth_button",
    "checks.availability",
    "checks.dlnuf_fields",
    "checks.dsfr",
    "checks.human_alternative",
    "checks.jdma_button",
    "checks.mobile",
    "checks.plain_language",
)

_REGISTRY: dict[str, CheckSpec] = {}
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class CheckSpec:
    id: str
    version: int
    title: str  # French
    scope: Scope
    references: tuple[str, ...]
    data_keys: dict[str, str]  # every key of Finding.data, with its meaning (documented)
    func: CheckFunc


def check(id: str, *, version: int, title: str, scope: Scope, data_keys: dict[str, str],
          references: tuple[str, ...] = ()) -> Callable[[CheckFunc], CheckFunc]:
    if not _ID.match(id):
        raise ValueError(f"check id {id!r} is not kebab-case")
    if scope not in ("page", "service"):
        raise ValueError(f"check {id!r}: scope must be 'page' or 'service'")

    def register(func: CheckFunc) -> CheckFunc:
        if id in _REGISTRY and _REGISTRY[id].func is not func:
            raise ValueError(f"check id {id!r} registered twice")
        _REGISTRY[id] = CheckSpec(id, version, title, scope, tuple(references), dict(data_keys),
                                  func)
        return func

    return register


def all_checks() -> list[CheckSpec]:
    for module in CHECK_MODULES:
        importlib.import_module(module)
    return sorted(_REGISTRY.values(), key=lambda spec: spec.id)


def get_check(check_id: str) -> CheckSpec:
    for spec in all_checks():
        if spec.id == check_id:
            return spec
    raise KeyError(f"unknown check {check_id!r}")
