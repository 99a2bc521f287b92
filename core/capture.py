"""What one capture holds: the contract between the crawler, which writes it, and the checks.

The in-page collector (``crawler/assets/collector.js``) returns a ``Collected``; axe-core's
result is kept as an ``AxeResult``; the capture row adds ``Summary``, ``Timings``, the
redirect hops and ``ToolVersions``. Every key is described in docs/captures.md, and
tests/test_capture_contract.py keeps this module, that page and the saved captures in step.

Most types are ``total=False``: ``vigie recheck`` reads captures stored by older versions of
the collector, which lack the keys added since, so a check must ``.get()`` every key. The data
comes from hostile pages, and a corrupt artifact is possible: these types say what the crawler
writes, not what a check may skip checking.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# -- the collector -------------------------------------------------------------------------


class Widths(TypedDict, total=False):
    """Horizontal sizes in CSS px: wider ``document_scroll`` than ``document_client`` scrolls."""

    document_scroll: int
    document_client: int
    body_scroll: int | None  # None without a <body>
    window_inner: int


class NarrowWidths(Widths, total=False):
    """The same, measured with the viewport narrowed to 320 CSS px (mobile captures)."""

    overflow_px: int


class NavigationTiming(TypedDict, total=False):
    ttfb_ms: int
    dom_content_loaded_ms: int
    load_ms: int
    transfer_size: int


class Link(TypedDict, total=False):
    text: str
    href: str  # resolved; an SVG <a> gives {} (its href is an object, not a string)
    raw_href: str | None
    aria_label: str | None
    title: str | None
    rel: str | None
    target: str | None
    img_alts: list[str | None]
    img_srcs: list[str]
    classes: str
    visible: bool
    selector: str


class Button(TypedDict, total=False):
    text: str
    type: str | None
    classes: str
    aria_label: str | None
    selector: str


class Image(TypedDict, total=False):
    src: str
    alt: str | None
    width: int
    height: int
    selector: str


class Field(TypedDict, total=False):
    tag: str
    type: str
    name: str | None
    id: str | None
    autocomplete: str | None
    required: bool
    label: str
    placeholder: str | None
    accept: str | None


class Form(TypedDict, total=False):
    action: str
    method: str
    id: str | None
    name: str | None
    selector: str
    fields: list[Field]


class Iframe(TypedDict, total=False):
    src: str
    title: str | None
    selector: str


class Heading(TypedDict, total=False):
    level: int
    text: str


class JdmaAttributes(TypedDict, total=False):
    """An element carrying the JDMA widget's ``data-jdma-*`` attributes."""

    tag: str
    form_url: str | None
    button: str | None
    selector: str


class ConnectButton(TypedDict, total=False):
    """A FranceConnect / AgentConnect / ProConnect button, found by its classes."""

    tag: str
    classes: str
    text: str
    brand: str
    form_action: str | None
    href: str | None
    help_links: list[str]
    visible: bool
    selector: str


class AssetHead(TypedDict, total=False):
    url: str
    head: str


class Collected(TypedDict, total=False):
    """The collector's result: one bounded pass over the DOM, every list capped."""

    url: str
    title: str
    lang: str | None
    dir: str | None
    viewport_meta: str | None
    widths: Widths
    links: list[Link]
    buttons: list[Button]
    images: list[Image]
    forms: list[Form]
    iframes: list[Iframe]
    headings: list[Heading]
    data_attributes: list[JdmaAttributes]
    connect_buttons: list[ConnectButton]
    fr_classes: list[str]
    font_families: list[str]
    code_texts: list[str]
    main_text: str
    scripts: list[str]
    stylesheets: list[str]
    visible_text: str
    timing: NavigationTiming | None
    # Added by the crawler after the collector (a second call): None when that call failed.
    asset_heads: list[AssetHead] | None


# -- axe-core ------------------------------------------------------------------------------
# axe's own names (camelCase). Only violations and incomplete are kept in full.

AxeTarget = list[str | list[str]]  # one selector per frame or shadow root on the way


class AxeRelatedNode(TypedDict, total=False):
    html: str
    target: AxeTarget


class AxeCheckResult(TypedDict, total=False):
    id: str
    impact: str | None
    message: str
    data: Any
    relatedNodes: list[AxeRelatedNode]


class AxeNode(TypedDict, total=False):
    html: str
    target: AxeTarget
    impact: str | None
    failureSummary: str
    any: list[AxeCheckResult]
    all: list[AxeCheckResult]
    none: list[AxeCheckResult]


class AxeRule(TypedDict, total=False):
    id: str
    impact: str | None
    tags: list[str]
    description: str
    help: str
    helpUrl: str
    nodes: list[AxeNode]


class AxeEngine(TypedDict, total=False):
    name: str
    version: str


class AxeRunner(TypedDict, total=False):
    name: str


class AxeEnvironment(TypedDict, total=False):
    userAgent: str
    windowWidth: int
    windowHeight: int
    orientationAngle: int
    orientationType: str


class AxeResult(TypedDict, total=False):
    testEngine: AxeEngine
    testRunner: AxeRunner
    testEnvironment: AxeEnvironment
    url: str
    timestamp: str
    toolOptions: dict[str, Any]
    violations: list[AxeRule]
    incomplete: list[AxeRule]
    passes: list[str]  # rule ids only
    inapplicable: list[str]  # rule ids only


# -- the capture row -----------------------------------------------------------------------


class CallError(TypedDict):
    """Why one call into the page gave nothing; the other calls still ran."""

    kind: Literal["timeout", "error"]
    error_kind: str  # core.errors.ErrorKind
    message: str


class Tls(TypedDict, total=False):
    protocol: str | None
    issuer: str | None
    subjectName: str | None
    validFrom: float | None  # Unix seconds
    validTo: float | None


class EgressRefused(TypedDict):
    """Requests of the page that the egress control refused while the capture ran."""

    count: int
    urls: list[str]  # the first few: a URL (plain HTTP) or host:port (HTTPS, WebSocket)


class Summary(TypedDict, total=False):
    """Facts of one capture the checks and reports read without opening artifacts."""

    errors: dict[str, CallError]  # by call: collector, axe_inject, axe, screenshot, ...
    html_truncated: bool
    lang: str | None
    viewport_meta: str | None
    widths: Widths | None
    axe_violations: int
    axe_incomplete: int
    narrow: NarrowWidths | None
    tls: Tls | None
    server_ip: str | None
    shared_from_service_scan: int
    egress_refused: EgressRefused
    # URLs the tab's main frame moved to after the requested page's load event (script,
    # meta refresh), in order; the capture describes the last of them (docs/captures.md).
    navigated_after_load: list[str]


class Timings(TypedDict, total=False):
    """Seconds per call into the page (``<call>_s``), then the page's own navigation timing."""

    # The settle step before the collection (crawler/tabs.py): how long, and why it ended.
    settle_ms: int
    settle_stop: Literal["quiet", "cap"]
    collector_s: float
    axe_inject_s: float
    axe_s: float
    screenshot_s: float
    asset_heads_s: float
    narrow_s: float
    ttfb_ms: int
    dom_content_loaded_ms: int
    load_ms: int
    transfer_size: int


class RedirectHop(TypedDict):
    url: str
    status: int | None  # None when the browser kept no response for the hop


# "axe-core" is not an identifier, hence the functional form.
ToolVersions = TypedDict(
    "ToolVersions", {"vigie": str, "chromium": str | None, "axe-core": str | None}, total=False
)
