"""The capture contract (core/capture.py), its page (docs/captures.md), the collector script
and the saved captures must agree: a key cannot be added, dropped or retyped in one alone."""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from core import capture

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "captures.md"
COLLECTOR_JS = ROOT / "crawler" / "assets" / "collector.js"
SAVED = sorted((ROOT / "tests" / "fixtures" / "checks").glob("*/*.capture.json"))
# The JSON parts of a capture, by their name on the capture row and in saved captures.
PARTS: dict[str, Any] = {
    "collector": capture.Collected,
    "axe": capture.AxeResult,
    "summary": capture.Summary,
    "timings": capture.Timings,
    "redirect_chain": list[capture.RedirectHop],
    "tool_versions": capture.ToolVersions,
}


def _members(annotation: Any) -> tuple[Any, ...]:
    """The alternatives of ``X | Y`` (or the annotation itself)."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


def type_name(annotation: Any) -> str:
    """An annotation as docs/captures.md writes it: ``list[Link] | None``."""
    if annotation is type(None):
        return "None"
    if annotation is Any:
        return "any"
    if is_typeddict(annotation):
        return str(annotation.__name__)
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in get_args(annotation))
    if origin is Literal:
        return " | ".join(json.dumps(a) for a in get_args(annotation))
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(type_name(a) for a in get_args(annotation))}]"
    return str(annotation.__name__)


def contract_paths() -> dict[str, str]:
    """Every key of the contract as a dotted path -> its type's name. ``[]`` is a list item,
    ``*`` any key of a mapping. A structure met a second time (``summary.widths``) is not
    expanded again: docs/captures.md describes it once."""
    out: dict[str, str] = {}
    expanded: set[Any] = set()

    def walk(path: str, annotation: Any) -> None:
        for member in _members(annotation):
            origin = get_origin(member)
            if origin is list:
                walk(path + "[]", get_args(member)[0])
            elif origin is dict:
                walk(path + ".*", get_args(member)[1])
            elif is_typeddict(member) and member not in expanded:
                expanded.add(member)
                for key, sub in get_type_hints(member).items():
                    out[f"{path}.{key}"] = type_name(sub)
                    walk(f"{path}.{key}", sub)

    for name, annotation in PARTS.items():
        walk(name, annotation)
    return out


def documented() -> dict[str, str]:
    """docs/captures.md's table rows whose first cell is a contract path -> their type cell."""
    out: dict[str, str] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        m = re.fullmatch(r"`([\w-]+(?:\[\]|\.[\w*-]+)+)`", cells[0]) if len(cells) >= 3 else None
        if m and m.group(1).split(".")[0].removesuffix("[]") in PARTS:
            assert m.group(1) not in out, f"{m.group(1)} documented twice"
            out[m.group(1)] = cells[1].strip("`").replace("\\|", "|")
    return out


def test_every_key_is_documented_with_its_type() -> None:
    declared, docs = contract_paths(), documented()
    assert sorted(set(declared) - set(docs)) == [], "declared in core/capture.py, not in docs"
    assert sorted(set(docs) - set(declared)) == [], "in docs/captures.md, not declared"
    wrong = {p: (docs[p], t) for p, t in declared.items() if docs[p] != t}
    assert wrong == {}, "type in docs differs from core/capture.py: (docs, declared)"


def _problems(value: Any, annotation: Any, path: str) -> Iterator[str]:
    """Where ``value`` (JSON) does not fit ``annotation``: unknown keys, wrong JSON types."""
    if annotation is Any:
        return
    fits = []
    for member in _members(annotation):
        origin = get_origin(member)
        if member is type(None):
            fits.append(value is None)
        elif origin is Literal:
            fits.append(value in get_args(member))
        elif origin is list:
            fits.append(isinstance(value, list))
        elif origin is dict or is_typeddict(member):
            fits.append(isinstance(value, dict))
        elif member is float:
            fits.append(isinstance(value, int | float) and not isinstance(value, bool))
        elif member is int:
            fits.append(isinstance(value, int) and not isinstance(value, bool))
        else:
            fits.append(isinstance(value, member))
    if not any(fits):
        yield f"{path}: {value!r:.60} is not {type_name(annotation)}"
        return
    member = _members(annotation)[fits.index(True)]
    origin = get_origin(member)
    if origin is list:
        for i, item in enumerate(value):
            yield from _problems(item, get_args(member)[0], f"{path}[{i}]")
    elif origin is dict:
        for key, item in value.items():
            yield from _problems(item, get_args(member)[1], f"{path}.{key}")
    elif is_typeddict(member):
        hints = get_type_hints(member)
        for key, item in value.items():
            if key not in hints:
                yield f"{path}.{key}: not declared in {member.__name__}"
            else:
                yield from _problems(item, hints[key], f"{path}.{key}")


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_saved_capture_fits_the_contract(path: Path) -> None:
    # Saved captures are made by the real collector and axe in Chromium (make_captures.py).
    data = json.loads(path.read_text(encoding="utf-8"))
    problems = [p for part, annotation in PARTS.items() if data.get(part) is not None
                for p in _problems(data[part], annotation, part)]
    assert problems == []


def _seen_keys(value: Any, path: str, out: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            out.add(f"{path}.{key}")
            _seen_keys(item, f"{path}.{key}", out)
    elif isinstance(value, list):
        for item in value:
            _seen_keys(item, f"{path}[]", out)


def test_saved_captures_hold_every_collector_and_axe_key() -> None:
    """What the collector and axe emit is declared, and nothing declared is never emitted."""
    seen: set[str] = set()
    for path in SAVED:
        data = json.loads(path.read_text(encoding="utf-8"))
        for part in ("collector", "axe"):
            _seen_keys(data.get(part), part, seen)
    missing = [p for p in contract_paths()
               if p.split(".")[0] in ("collector", "axe") and p not in seen]
    assert missing == [], "declared but in no saved capture: regenerate or drop them"


def _typeddicts(annotation: Any) -> Iterator[Any]:
    for member in _members(annotation):
        if get_origin(member) in (list, dict):
            yield from _typeddicts(get_args(member)[-1])
        elif is_typeddict(member):
            yield member
            for sub in get_type_hints(member).values():
                yield from _typeddicts(sub)


def test_collector_script_keys_are_declared() -> None:
    """Without regenerating the saved captures: the keys collector.js writes are declared."""
    declared = {key for td in _typeddicts(capture.Collected) for key in get_type_hints(td)}
    script = re.sub(r"//.*", "", COLLECTOR_JS.read_text(encoding="utf-8"))  # no comments
    written = set(re.findall(r"(?<![\w\"'-])(\w+): ", script))  # object keys: "key: value"
    # asset_heads is added by the crawler, from a second script (asset_heads.js).
    assert written == declared - {"asset_heads", "head"}


def test_mypy_checks_typeddict_get_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mypy plugin in pyproject.toml makes ``.get("unknown")`` on capture data an error."""
    api = pytest.importorskip("mypy.api")
    monkeypatch.chdir(ROOT)  # where mypy finds core/ (and its cache, warm after `make lint`)
    snippet = tmp_path / "snippet.py"
    snippet.write_text("from core.capture import Collected\n\n\n"
                       "def f(c: Collected) -> object:\n"
                       "    return c.get('links'), c.get('linkz')\n", encoding="utf-8")
    out, _, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), str(snippet)])
    assert status == 1
    assert 'TypedDict "Collected" has no key "linkz"' in out
    assert out.count("error:") == 1  # "links" is declared
