"""The YAML service list: read it with a located issue for every problem, and write it back.

The file is read as a node tree rather than as plain Python values so that every value keeps
its line, and numbers or dates keep the text the user wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

import yaml
from yaml.composer import ComposerError
from yaml.error import Mark
from yaml.reader import ReaderError

from services.fields import (
    DECLARED_CHECKS,
    check_characters,
    check_duplicates,
    check_jdma_id,
    check_json_value,
    check_mapping,
    check_name,
    check_optional_text,
    check_schedule,
    check_slug,
    check_url,
    suggestion,
    unknown_message,
)
from services.issues import BAD, IssueLog
from services.published import TYPED_KEYS
from services.spec import ServiceSpec

SERVICE_FIELDS = (
    "id",
    "name",
    "start_url",
    "extra_urls",
    "ministry",
    "administration",
    "jdma_id",
    "declared",
    "extra",
    "schedule",
)
REQUIRED_FIELDS = ("id", "name", "start_url")


# Aliases (``*name``) may repeat an anchored value, and each repeat may hold aliases: nine
# lines can stand for a billion values (an « alias bomb »). Values reached through aliases are
# counted as they are met, before anything is built, and past this count the file is refused.
MAX_ALIASED_VALUES = 100_000
MAX_DEPTH = 64  # nesting levels; a service list needs fewer than ten


class _Refused(ComposerError):
    """Well-formed YAML that Vigie will not build: the message says why, with its column."""


def _refused(event: yaml.Event, message: str) -> _Refused:
    """`_Refused` at the event, its column put in the message's ``{column}``."""
    mark = cast("Mark | None", event.start_mark)
    column = f" (column {mark.column + 1})" if mark is not None else ""
    return _Refused(None, None, message.format(column=column), mark)


class _Loader(yaml.SafeLoader):
    """Safe loader keeping unquoted dates as text (values end up in JSON columns), with
    aliases and nesting bounded."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliased_values = 0
        self.open_anchors: set[str] = set()  # anchors of the values being composed
        self.sizes: dict[int, int] = {}  # id(node) -> values in it, aliases expanded
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.count_alias(event)
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:
            raise _refused(event, f"values nested more than {MAX_DEPTH} levels deep{{column}}")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.open_anchors.add(anchor)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1
            self.open_anchors.discard(anchor)

    def count_alias(self, event: yaml.AliasEvent) -> None:
        if event.anchor in self.open_anchors:
            raise _refused(event, f"alias *{event.anchor}{{column}} is inside the value it "
                           "names: such a value never ends")
        node = self.anchors.get(event.anchor)
        if node is None:
            return  # PyYAML reports the undefined alias
        self.aliased_values += self.size(node)
        if self.aliased_values > MAX_ALIASED_VALUES:
            raise _refused(event, f"alias *{event.anchor}{{column}} brings the values repeated "
                           f"through aliases past {MAX_ALIASED_VALUES:,}: write the values out "
                           "instead")

    def size(self, node: yaml.Node) -> int:
        """Values in a composed node, counting each alias as the value it repeats."""
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.SequenceNode):
            total = 1 + sum(self.size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            total = 1 + sum(self.size(k) + self.size(v) for k, v in node.value)
        else:
            total = 1
        self.sizes[id(node)] = total
        return total


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_TEXT_FIELDS = {"id", "name", "ministry", "administration", "jdma_id"}
_TEXT_DECLARED = {"accessibility_status", "franceconnect_label"}
# The published values a CSV or workbook fills (services.published), checked the same way.
_DECLARED = {**DECLARED_CHECKS, **TYPED_KEYS}
_SCALAR_CHECKS: dict[str, Callable[[Any], Any]] = {
    "id": check_slug,
    "name": check_name,
    "start_url": lambda v: None if v is None or v == "" else check_url(v),  # None: not online
    "ministry": check_optional_text,
    "administration": check_optional_text,
    "jdma_id": check_jdma_id,
    "schedule": check_schedule,
}


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _YamlReader:
    """Walks the composed node tree so that every value keeps its line."""

    def __init__(self, loader: _Loader, log: IssueLog) -> None:
        self.loader = loader
        self.log = log
        self.ids: list[tuple[str, int, str]] = []  # (slug, line, field) for duplicate checks

    def value(self, node: yaml.Node, field_name: str, as_text: bool = False) -> Any:
        """The node's Python value; with `as_text`, plain numbers keep their exact text
        (YAML 1.1 would read `jdma_id: 0123` as the octal number 83)."""
        if as_text and isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER_TAGS:
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.log.add(_line(node), field_name, f"cannot read value: {exc}")
            return BAD

    def checked(
        self, node: yaml.Node, field_name: str, fn: Callable[[Any], Any], as_text: bool = False
    ) -> Any:
        value = self.value(node, field_name, as_text)
        return BAD if value is BAD else self.log.check(fn, value, _line(node), field_name)

    def key(self, node: yaml.Node) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
            key = self.log.check(check_characters, str(node.value), _line(node), "field name")
            return None if key is BAD else key
        self.log.add(_line(node), "service", "field names must be plain text")
        return None

    def fields(self, node: yaml.MappingNode, prefix: str = "") -> list[tuple[str, yaml.Node, int]]:
        """(key, value node, key line) pairs; a key given twice is reported once."""
        seen: dict[str, int] = {}
        out = []
        for key_node, value_node in node.value:
            key = self.key(key_node)
            if key is None:
                continue
            if key in seen:
                message = f"given twice (first at line {seen[key]})"
                self.log.add(_line(key_node), prefix + key, message)
                continue
            seen[key] = _line(key_node)
            out.append((key, value_node, seen[key]))
        return out

    def service_nodes(self, root: yaml.Node | None) -> list[yaml.Node]:
        if root is None:
            self.log.add(1, "services", "file is empty: expected a 'services:' list")
            return []
        if not isinstance(root, yaml.MappingNode):
            self.log.add(_line(root), "services", "expected a mapping with a 'services:' list")
            return []
        services: yaml.Node | None = None
        for key, value_node, line in self.fields(root):
            if key == "services":
                services = value_node
            else:
                self.log.add(line, key, unknown_message(key, ["services"], "top-level key"))
        if services is None:
            self.log.add(_line(root), "services", "missing 'services:' list")
            return []
        if isinstance(services, yaml.SequenceNode) and services.value:
            return list(services.value)
        if isinstance(services, yaml.SequenceNode) or services.tag == "tag:yaml.org,2002:null":
            self.log.add(_line(services), "services", "no services defined")
        else:
            self.log.add(_line(services), "services", "must be a list of services")
        return []

    def service(self, node: yaml.Node) -> ServiceSpec | None:
        if not isinstance(node, yaml.MappingNode):
            self.log.add(_line(node), "service", "each service must be a mapping of fields")
            return None
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        misspelt: set[str] = set()  # known fields that an unknown key looks like a typo of
        for key, value_node, line in self.fields(node):
            if key in SERVICE_FIELDS:
                values[key], lines[key] = self.field(key, value_node), line
            else:
                self.log.add(line, key, unknown_message(key, SERVICE_FIELDS, "field"))
                misspelt.update(filter(None, [suggestion(key, SERVICE_FIELDS)]))
                values[key] = BAD
        if values.get("id", BAD) is not BAD:
            self.ids.append((values["id"], lines["id"], "id"))
        missing = [f for f in REQUIRED_FIELDS if f not in values and f not in misspelt]
        for required in missing:  # A typo already reported explains the missing field.
            self.log.add(_line(node), required, "missing required field")
        if missing or any(value is BAD for value in values.values()):
            return None
        return ServiceSpec(
            slug=values["id"],
            name=values["name"],
            start_url=values["start_url"],
            extra_urls=values.get("extra_urls", []),
            ministry=values.get("ministry"),
            administration=values.get("administration"),
            jdma_id=values.get("jdma_id"),
            declared=values.get("declared", {}),
            extra=values.get("extra", {}),
            schedule=values.get("schedule"),
        )

    def field(self, key: str, node: yaml.Node) -> Any:
        if key == "extra_urls":
            return self.extra_urls(node)
        if key == "declared":
            return self.declared(node)
        if key == "extra":
            return self.checked(node, key, check_mapping)
        return self.checked(node, key, _SCALAR_CHECKS[key], as_text=key in _TEXT_FIELDS)

    def extra_urls(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            got = "a string" if isinstance(node, yaml.ScalarNode) else "a mapping"
            message = f"must be a list of URLs, got {got} (write [https://...] for one URL)"
            self.log.add(_line(node), "extra_urls", message)
            return BAD
        urls = [
            self.checked(item, f"extra_urls[{i}]", check_url) for i, item in enumerate(node.value)
        ]
        return BAD if any(url is BAD for url in urls) else urls

    def declared(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.log.add(_line(node), "declared", "must be a mapping of declared values")
            return BAD
        declared: dict[str, Any] = {}
        ok = True
        for key, value_node, line in self.fields(node, prefix="declared."):
            name = f"declared.{key}"
            if key in _DECLARED:
                value = self.checked(value_node, name, _DECLARED[key], key in _TEXT_DECLARED)
            elif hint := suggestion(key, _DECLARED):
                self.log.add(line, name, f"unknown declared value; did you mean {hint!r}?")
                value = BAD
            else:  # Other observatory values are kept as they are.
                value = self.checked(value_node, name, check_json_value)
            ok = ok and value is not BAD
            if value is not None:
                declared[key] = value
        return declared if ok else BAD


def _yaml_error_line(exc: yaml.YAMLError, text: str) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    position = getattr(exc, "position", None)  # ReaderError: a character index
    if mark is not None:
        line = int(mark.line) + 1
    else:
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
    # "Unexpected end of stream" points past the final newline: name the last line instead.
    return min(line, len(text.splitlines()) or 1)


def parse_services_yaml(text: str, file: str = "<yaml>") -> list[ServiceSpec]:
    """Services from YAML text; raises `RegistryError` listing every problem."""
    log = IssueLog(file)
    try:
        loader = _Loader(text)  # reads the whole text: a control character stops it here
    except ReaderError as exc:
        log.add(*_unreadable(exc, text))
        raise log.error() from None
    try:
        try:
            root = loader.get_single_node()
        except _Refused as exc:
            log.add(_yaml_error_line(exc, text), "yaml", str(exc.problem))
            raise log.error() from None
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            log.add(_yaml_error_line(exc, text), "yaml", f"invalid YAML: {problem}")
            raise log.error() from None
        reader = _YamlReader(loader, log)
        specs = [reader.service(node) for node in reader.service_nodes(root)]
    finally:
        loader.dispose()
    check_duplicates(reader.ids, log)
    log.raise_if_any()
    return [spec for spec in specs if spec is not None]


def _unreadable(exc: ReaderError, text: str) -> tuple[int, str, str]:
    """(line, field, message) for a character YAML refuses in the text itself."""
    position = int(exc.position)
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    message = f"the control character U+{exc.character:04X} at column {column}: remove it"
    return line, "yaml", message


def dump_services_yaml(specs: Iterable[ServiceSpec]) -> str:
    """A YAML registry that `load_services` reads back to the same specs."""
    document = {"services": [spec.to_yaml_entry() for spec in specs]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
