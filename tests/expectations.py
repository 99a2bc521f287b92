"""Expected outcomes of the checks on their saved fixtures, read from ``expected.yaml`` files.

Each ``tests/fixtures/checks/<check-id>/expected.yaml`` lists cases: the saved captures a check
is run on (one, or several forming a service), and the outcome and ``data`` it must give. The
format is documented in ``tests/fixtures/checks/README.md``; ``tests/test_check_fixtures.py``
runs every case, ``tests/test_check_registry.py`` counts them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checks.inputs import ServiceCaptures
from checks.model import Finding, Outcome
from storage.artifacts import ArtifactStore
from tests import checkkit

FILE_NAME = "expected.yaml"
ROOT = checkkit.FIXTURES.parents[2]  # paths in messages are relative to the repository
OUTCOMES = {o.value for o in Outcome}
# Several findings in one case reduce to the most serious of their outcomes.
SERIOUSNESS = ["error", "fail", "needs_review", "pass", "not_applicable"]
SERVICE_KEYS = {"slug", "start_url", "jdma_id", "declared"}
FILE_KEYS = {"service", "capture_fields", "findings_by", "cases"}
CASE_KEYS = {"captures", "service", "findings_by", "outcome", "data", "message", "findings"}
FINDING_KEYS = {"outcome", "data", "message"}


class ExpectationError(ValueError):
    """An ``expected.yaml`` file that does not follow the format."""


# -- matchers -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Matcher:
    """A YAML-tagged value (``!min 60``) that checks an actual value instead of equalling it."""

    tag: str
    arg: Any
    test: Callable[[Any, Any], bool]

    def __repr__(self) -> str:
        return f"{self.tag} {self.arg!r}"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not (
        isinstance(value, float) and math.isnan(value))


def _contains(actual: Any, wanted: Any) -> bool:
    items = wanted if isinstance(wanted, list) else [wanted]
    if isinstance(actual, str):
        return all(isinstance(w, str) and w in actual for w in items)
    if isinstance(actual, list):
        return all(any(not differences(w, a) for a in actual) for w in items)
    return False


MATCHERS: dict[str, Callable[[Any, Any], bool]] = {
    "!contains": _contains,
    "!min": lambda a, n: _number(a) and a >= n,
    "!max": lambda a, n: _number(a) and a <= n,
    "!above": lambda a, n: _number(a) and a > n,
    "!below": lambda a, n: _number(a) and a < n,
    "!len": lambda a, n: isinstance(a, list | str | dict) and len(a) == n,
}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML, dates left as strings (as in ``data``), plus the matcher tags."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _matcher_constructor(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], Matcher]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Matcher:
        arg: Any
        if isinstance(node, yaml.SequenceNode):
            arg = loader.construct_sequence(node, deep=True)
        elif isinstance(node, yaml.MappingNode):
            arg = loader.construct_mapping(node, deep=True)
        else:  # the scalar's own type, as if it had no tag: !min 60 is a number
            assert isinstance(node, yaml.ScalarNode)
            plain = not node.style  # None or "" (libyaml) for a plain scalar
            implicit = loader.resolve(yaml.ScalarNode, node.value, (plain, not plain))
            arg = loader.construct_object(yaml.ScalarNode(implicit, node.value))
        if tag != "!contains" and not _number(arg):
            raise yaml.constructor.ConstructorError(
                None, None, f"{tag} takes a number, not {arg!r}", node.start_mark)
        return Matcher(tag, arg, MATCHERS[tag])

    return construct


for _tag in MATCHERS:
    _Loader.add_constructor(_tag, _matcher_constructor(_tag))


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """How ``actual`` differs from ``expected``: a mapping names a subset of keys, a list must
    match item by item, a matcher tests the value, anything else must be equal (a boolean only
    equals a boolean). Each difference starts with the dotted path of its key."""
    where = path or "value"
    if isinstance(expected, Matcher):
        if expected.test(actual, expected.arg):
            return []
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected a mapping, got {actual!r}"]
        out = []
        for key, value in expected.items():
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                out.append(f"{sub}: missing (expected {value!r})")
            else:
                out.extend(differences(value, actual[key], sub))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list | tuple):
            return [f"{where}: expected a list, got {actual!r}"]
        if len(expected) != len(actual):
            return [f"{where}: expected {len(expected)} items {expected!r}, "
                    f"got {len(actual)} {list(actual)!r}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for d in differences(e, a, f"{where}[{i}]")]
    same_kind = isinstance(expected, bool) == isinstance(actual, bool)
    if same_kind and expected == actual:
        return []
    return [f"{where}: expected {expected!r}, got {actual!r}"]


# -- cases ----------------------------------------------------------------------------------------

@dataclass
class Case:
    check_id: str
    name: str
    file: Path
    captures: list[tuple[str, dict[str, Any]]]  # capture name, fields set on it
    service: dict[str, Any]
    outcome: str
    findings_by: str | None = None
    data: dict[str, Any] | None = None
    message: Any = None
    findings: dict[str, dict[str, Any]] | None = None

    @property
    def capture_names(self) -> list[str]:
        return [name for name, _ in self.captures]

    @property
    def label(self) -> str:
        """Where the case is written, and the capture files it reads, for failure messages."""
        files = ", ".join(f"{n}.capture.json" for n in self.capture_names)
        return f"{self.file} › {self.name} ({files})"

    def inputs(self, store: ArtifactStore) -> ServiceCaptures:
        views = [checkkit.view(store, {**checkkit.saved(self.check_id, name), **fields})
                 for name, fields in self.captures]
        return checkkit.service(views, **self.service)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ExpectationError(f"{where}: expected a mapping, got {value!r}")
    return value


def _known(value: dict[str, Any], keys: set[str], where: str) -> None:
    unknown = set(value) - keys
    if unknown:
        raise ExpectationError(f"{where}: unknown key(s) {sorted(unknown)} "
                               f"(known: {sorted(keys)})")


def _outcome(value: Any, where: str) -> str:
    if value not in OUTCOMES:
        raise ExpectationError(f"{where}: outcome {value!r} is not one of {sorted(OUTCOMES)}")
    return str(value)


def _case(check_id: str, path: Path, name: str, raw: Any, top: dict[str, Any]) -> Case:
    where = f"{path}: case {name!r}"
    raw = _mapping(raw, where)
    _known(raw, CASE_KEYS, where)
    if "outcome" not in raw:
        raise ExpectationError(f"{where}: no outcome")
    fields = _mapping(top.get("capture_fields"), f"{path}: capture_fields")
    captures = []
    for item in raw.get("captures") or [name]:
        extra: dict[str, Any] = {}
        if isinstance(item, dict):
            extra = dict(item)
            item = extra.pop("capture", None)
        if not isinstance(item, str):
            raise ExpectationError(f"{where}: a capture is a name or {{capture: name, ...}}")
        if not (checkkit.FIXTURES / check_id / f"{item}.capture.json").is_file():
            raise ExpectationError(f"{where}: no {item}.capture.json beside it")
        captures.append((item, {**_mapping(fields.get("*"), where),
                                **_mapping(fields.get(item), where), **extra}))
    service = {**_mapping(top.get("service"), f"{path}: service"),
               **_mapping(raw.get("service"), where)}
    _known(service, SERVICE_KEYS, f"{where}: service")
    findings = None
    if "findings" in raw:
        findings = {}
        for key, expected in _mapping(raw["findings"], where).items():
            expected = _mapping(expected, f"{where}: findings[{key}]")
            _known(expected, FINDING_KEYS, f"{where}: findings[{key}]")
            _outcome(expected.get("outcome"), f"{where}: findings[{key}]")
            findings[str(key)] = expected
        if "data" in raw or "message" in raw:
            raise ExpectationError(f"{where}: put data and message inside findings")
    findings_by = raw.get("findings_by", top.get("findings_by"))
    if findings is not None and not isinstance(findings_by, str):
        raise ExpectationError(f"{where}: findings needs findings_by (a data key)")
    return Case(check_id=check_id, name=name, file=path, captures=captures, service=service,
                outcome=_outcome(raw["outcome"], where), findings_by=findings_by,
                data=_mapping(raw.get("data"), where) if "data" in raw else None,
                message=raw.get("message"), findings=findings)


def load_cases(check_id: str) -> list[Case]:
    """The cases of ``tests/fixtures/checks/<check_id>/expected.yaml`` (none without a file)."""
    path = (checkkit.FIXTURES / check_id / FILE_NAME).relative_to(ROOT)
    if not (ROOT / path).is_file():
        return []
    try:
        top = yaml.load((ROOT / path).read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ExpectationError(f"{path}: {exc}") from exc
    top = _mapping(top, str(path))
    _known(top, FILE_KEYS, str(path))
    cases = _mapping(top.get("cases"), f"{path}: cases")
    return [_case(check_id, path, str(name), raw, top) for name, raw in cases.items()]


def all_cases(check_ids: list[str]) -> list[Case]:
    return [case for check_id in check_ids for case in load_cases(check_id)]


# -- comparison -----------------------------------------------------------------------------------

def case_outcome(findings: list[Finding]) -> str | None:
    """The one finding's outcome, or the most serious of several (None without findings)."""
    values = {f.outcome.value for f in findings}
    return next((o for o in SERIOUSNESS if o in values), None)


def _finding_differences(expected: dict[str, Any], finding: Finding, prefix: str) -> list[str]:
    out = []
    if "outcome" in expected and finding.outcome.value != expected["outcome"]:
        out.append(f"{prefix}outcome: expected {expected['outcome']!r}, "
                   f"got {finding.outcome.value!r} ({finding.message})")
    if expected.get("data") is not None:
        out.extend(differences(expected["data"], finding.data, f"{prefix}data"))
    if expected.get("message") is not None:
        out.extend(differences(expected["message"], finding.message, f"{prefix}message"))
    return out


def mismatches(case: Case, findings: list[Finding], scope: str) -> list[str]:
    """Every way the findings differ from the case, each naming the key that differs."""
    if not findings:
        return [f"outcome: expected {case.outcome!r}, but the check gave no finding"]
    if case.findings is None:
        if len(findings) != 1:
            got = [(f.outcome.value, f.message) for f in findings]
            return [f"findings: expected one finding, got {len(findings)} {got!r} "
                    "(name them with findings and findings_by)"]
        return _finding_differences(
            {"outcome": case.outcome, "data": case.data, "message": case.message},
            findings[0], "")
    if scope == "service" and len(findings) != 1:
        return [f"findings: a service-scope check gives one finding, got {len(findings)}"]
    out: list[str] = []
    outcome = case_outcome(findings)
    if outcome != case.outcome:
        out.append(f"outcome: expected {case.outcome!r} (most serious), got {outcome!r}")
    by_key: dict[str, list[Finding]] = {}
    for finding in findings:  # named by findings_by's value, else by its outcome
        key = finding.data.get(case.findings_by or "")
        by_key.setdefault(str(finding.outcome.value if key is None else key), []).append(finding)
    for key, expected in case.findings.items():
        found = by_key.get(key, [])
        if len(found) != 1:
            out.append(f"findings[{key}]: expected one finding with "
                       f"{case.findings_by}={key!r}, got {len(found)}")
        else:
            out.extend(_finding_differences(expected, found[0], f"findings[{key}]."))
    for key in sorted(set(by_key) - set(case.findings)):
        outcomes = [f.outcome.value for f in by_key[key]]
        out.append(f"findings[{key}]: not expected, got {outcomes} ({by_key[key][0].message})")
    return out
