"""The HTML coverage report: each state machine drawn by Graphviz, covered and missed parts marked.

`write_html_report` writes one self-contained page (no script, no external file) for a session's
`CoverageData`: a legend, the totals (TestState calls and executions read, per definition), the
executions that could not be read, and per definition its counts, its graph and what it missed. The graph is Graphviz's: `dot_source` describes the machine in the DOT language and the
``dot`` program (Debian/Ubuntu package ``graphviz``) lays it out as SVG, inlined in the page.

How a machine is drawn:

- each state is a node (a Choice a diamond, a Map or Parallel a 3-D box), filled with the
  covered colour or the missed colour; a Map's processor and a Parallel's branches are clusters
  of their own, linked to the state that runs them by a dotted grey line;
- a ``Next`` is a solid edge, each Choice rule and the ``Default`` a labelled edge, each Catch a
  dashed edge, each Retry entry a dotted box beside its state (linked both ways: a retry runs the
  state again), the end of a machine or branch an edge to its end node (a double circle), all
  coloured by coverage;
- grey is structure, not counted: a machine's start node and its arrow, the links to inner
  machines, and the states outside the definition that a single-state definition's ``Next``
  names (dashed boxes).

Every node and edge carries an ``id`` and a ``class`` (``covered`` or ``missed``) in the SVG, so
that the page can be checked by machine. User strings (state names, error names, the comment)
reach Graphviz only inside HTML-like labels, escaped for them (`label_text`), and the page only
through `html.escape`; node names in DOT are generated (``s0``, ``r1_start``).
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from xml.etree import ElementTree

from teststate.toolkit.coverage_model import (
    CatchEntry,
    Category,
    ChoiceBranch,
    CoverageData,
    CoverageError,
    DefinitionCoverage,
    RetryEntry,
    StateOutline,
    Transition,
    describe,
)

__all__ = [
    "COVERED",
    "MISSED",
    "STRUCTURE",
    "ReportError",
    "dot_source",
    "html_report",
    "label_text",
    "render_svg",
    "visible",
    "write_html_report",
]


class ReportError(CoverageError):
    """The report cannot be drawn (Graphviz missing or failing)."""


@dataclass(frozen=True, slots=True)
class Palette:
    """A colour for lines and text (``line``) and one for fills (``fill``)."""

    line: str
    fill: str


COVERED: Final = Palette(line="#1a7f37", fill="#d3f5dc")
MISSED: Final = Palette(line="#c62828", fill="#fde2e1")
STRUCTURE: Final = Palette(line="#8c959f", fill="#eef1f4")

FONT: Final = "Helvetica,Arial,sans-serif"
"""One list for Graphviz and the browser: fontconfig and CSS both read it as a fallback list, and
both end on the same installed font (Liberation Sans on Debian), so the text fits its boxes."""

DOT_TIMEOUT_SECONDS: Final = 60.0
DEFAULT_FILENAME: Final = "teststate-coverage.html"

_SHAPES: Final = {"Choice": "diamond", "Map": "box3d", "Parallel": "box3d"}


# ---------------------------------------------------------------------------------------------
# User strings inside Graphviz labels


def visible(text: str) -> str:
    """`text` with what cannot be drawn or written replaced: C0 controls (but the newline) by
    their Unicode control pictures (tab becomes ␉), DEL and C1 controls, lone surrogates and the
    two non-characters XML refuses by U+FFFD."""
    return text.translate(_VISIBLE) if not text.isprintable() else text


def _visible_table() -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20) if code != 0x0A}
    table.update(dict.fromkeys((0x7F, *range(0x80, 0xA0), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF), "\ufffd"))
    return table


_VISIBLE: Final = _visible_table()


def label_text(text: str) -> str:
    """`text` as the content of a Graphviz HTML-like label, shown as is, newlines as line breaks.

    Graphviz decodes a label's entities first and then reads its backslash escapes (``\\N`` is
    the node's name, ``\\G`` the graph's, ``\\\\`` a backslash) in the result, in HTML-like
    labels too (measured with Graphviz 2.42): backslashes are doubled before the entities are
    written.
    """
    lines = visible(text).split("\n")
    return "<BR/>".join(html.escape(line.replace("\\", "\\\\"), quote=True) for line in lines)


@dataclass(frozen=True, slots=True)
class _Label:
    """An HTML-like label's content, already escaped (`label_text`); written ``<...>``."""

    content: str


def _html_label(content: str) -> _Label:
    return _Label(content)


def _quoted(value: str) -> str:
    """A DOT quoted string for values the module generates (ids, classes, colours): no user text."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attributes(**values: str | _Label) -> str:
    """A DOT attribute list; ``_class`` is written ``class`` (a Python keyword)."""
    parts = []
    for name, value in values.items():
        rendered = f"<{value.content}>" if isinstance(value, _Label) else _quoted(value)
        parts.append(f"{name.lstrip('_')}={rendered}")
    return "[" + ", ".join(parts) + "]"


def _statement(subject: str, **values: str | _Label) -> str:
    """One DOT statement: a node, an edge (``a -> b``) or a default (``graph``) with its attributes."""
    return f"{subject} {_attributes(**values)};"


# ---------------------------------------------------------------------------------------------
# DOT


@dataclass(slots=True)
class _Drawing:
    """Builds the DOT text of one definition (`dot_source`)."""

    coverage: DefinitionCoverage
    prefix: str
    lines: list[str] = field(default_factory=list)
    edges: list[str] = field(default_factory=list)
    externals: dict[str, str] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {state.name: number for number, state in enumerate(self.coverage.outline.states)}

    def source(self) -> str:
        head = [
            "digraph coverage {",
            _statement(
                "graph",
                id=f"{self.prefix}-graph",
                rankdir="TB",
                fontname=FONT,
                fontsize="12",
                nodesep="0.4",
                ranksep="0.45",
                bgcolor="transparent",
            ),
            _statement(
                "node",
                fontname=FONT,
                fontsize="12",
                shape="box",
                style="rounded,filled",
                penwidth="1.6",
                margin="0.14,0.06",
            ),
            _statement("edge", fontname=FONT, fontsize="10", penwidth="1.4", arrowsize="0.7"),
        ]
        if self.coverage.outline.regions:
            self._region(0)
        for state in self.coverage.outline.states:
            self._state_edges(state)
        externals = [
            _statement(
                node,
                id=f"{self.prefix}-outside-{number}",
                _class="outside",
                label=_html_label(label_text(name)),
                style="rounded,dashed",
                color=STRUCTURE.line,
                fontcolor=STRUCTURE.line,
                fillcolor="white",
            )
            for number, (name, node) in enumerate(self.externals.items())
        ]
        return "\n".join([*head, *self.lines, *externals, *self.edges, "}", ""])

    # Nodes -----------------------------------------------------------------------------------

    def _region(self, number: int) -> None:
        outline = self.coverage.outline
        region = outline.regions[number]
        if number:
            owner = region.owner or ""
            title = f"<B>{label_text(owner)}</B>&#160;{label_text(region.label)}"
            self.lines.append(f"subgraph cluster_r{number} {{")
            self.lines.append(
                _statement(
                    "graph",
                    id=f"{self.prefix}-region-{number}",
                    _class="region",
                    label=_html_label(title),
                    style="rounded,dashed",
                    color=STRUCTURE.line,
                    fontcolor="#57606a",
                    fontsize="11",
                )
            )
        self.lines.append(
            _statement(
                f"r{number}_start",
                id=f"{self.prefix}-start-{number}",
                _class="start",
                shape="circle",
                width="0.18",
                height="0.18",
                fixedsize="true",
                label="",
                style="filled",
                fillcolor=STRUCTURE.line,
                color=STRUCTURE.line,
            )
        )
        if any(outline.by_name[name].terminal for name in region.states if name in outline.by_name):
            self.lines.append(
                _statement(
                    f"r{number}_end",
                    id=f"{self.prefix}-end-{number}",
                    _class="end",
                    shape="doublecircle",
                    width="0.14",
                    height="0.14",
                    fixedsize="true",
                    label="",
                    style="filled",
                    fillcolor="white",
                    color=STRUCTURE.line,
                )
            )
        if region.start_at is not None:
            self.edges.append(
                _statement(
                    f"r{number}_start -> {self._node(region.start_at)}",
                    _class="structure",
                    color=STRUCTURE.line,
                )
            )
        for name in region.states:
            state = outline.by_name.get(name)
            if state is None:
                continue
            self._state_node(state)
            for region_number in state.inner:
                self._region(region_number)
                self.edges.append(
                    _statement(
                        f"{self._node(state.name)} -> r{region_number}_start",
                        _class="structure",
                        style="dotted",
                        arrowhead="none",
                        color=STRUCTURE.line,
                    )
                )
        if number:
            self.lines.append("}")

    def _state_node(self, state: StateOutline) -> None:
        covered = self.coverage.is_covered(state.name)
        palette = COVERED if covered else MISSED
        label = f'<B>{label_text(state.name)}</B><BR/><FONT POINT-SIZE="9">{label_text(state.type)}</FONT>'
        number = self.index[state.name]
        self.lines.append(
            _statement(
                f"s{number}",
                id=f"{self.prefix}-state-{number}",
                _class=f"state {_status(covered)}",
                label=_html_label(label),
                shape=_SHAPES.get(state.type, "box"),
                color=palette.line,
                fillcolor=palette.fill,
            )
        )
        if not state.retry:
            return
        for index, errors in enumerate(state.retry):
            retried = self.coverage.is_covered(RetryEntry(state.name, index))
            colours = COVERED if retried else MISSED
            text = f'Retry[{index}]<BR/><FONT POINT-SIZE="9">{label_text(", ".join(errors))}</FONT>'
            self.lines.append(
                _statement(
                    f"s{number}_retry{index}",
                    id=f"{self.prefix}-retry-{number}-{index}",
                    _class=f"retry {_status(retried)}",
                    label=_html_label(text),
                    style="rounded,filled,dotted",
                    fontsize="10",
                    color=colours.line,
                    fontcolor=colours.line,
                    fillcolor=colours.fill,
                )
            )
        beside = "; ".join(f"s{number}_retry{index}" for index in range(len(state.retry)))
        self.lines.append(f"{{ rank=same; s{number}; {beside}; }}")

    def _node(self, name: str) -> str:
        number = self.index.get(name)
        if number is not None:
            return f"s{number}"
        return self.externals.setdefault(name, f"x{len(self.externals)}")

    # Edges -----------------------------------------------------------------------------------

    def _edge(
        self, source: str, target: str, *, ident: str, kind: str, covered: bool, **extra: str | _Label
    ) -> None:
        palette = COVERED if covered else MISSED
        attributes = _attributes(
            id=f"{self.prefix}-{ident}",
            _class=f"{kind} {_status(covered)}",
            color=palette.line,
            fontcolor=palette.line,
            **extra,
        )
        self.edges.append(f"{source} -> {target} {attributes};")

    def _state_edges(self, state: StateOutline) -> None:
        coverage = self.coverage
        number = self.index[state.name]
        source = f"s{number}"
        for rule, target in enumerate(state.choices):
            self._edge(
                source,
                self._node(target),
                ident=f"choice-{number}-{rule}",
                kind="choice",
                covered=coverage.is_covered(ChoiceBranch(state.name, rule)),
                label=_html_label(f"rule {rule}"),
            )
        if state.default is not None:
            self._edge(
                source,
                self._node(state.default),
                ident=f"choice-{number}-default",
                kind="choice",
                covered=coverage.is_covered(ChoiceBranch(state.name, None)),
                label=_html_label("Default"),
            )
        if state.next is not None and state.type != "Choice":
            self._edge(
                source,
                self._node(state.next),
                ident=f"next-{number}",
                kind="transition",
                covered=coverage.is_covered(Transition(state.name, state.next)),
            )
        if state.terminal:
            self._edge(
                source,
                f"r{state.region}_end",
                ident=f"end-{number}",
                kind="transition",
                covered=coverage.is_covered(Transition(state.name, None)),
                **({"label": _html_label("fails")} if state.type == "Fail" else {}),
            )
        for index in range(len(state.retry)):
            # To the Retry entry's node and back: a loop with room for its label (Graphviz
            # stacks the labels of several self-loops on one state over each other).
            self._edge(
                source,
                f"s{number}_retry{index}",
                ident=f"retry-link-{number}-{index}",
                kind="retry-link",
                covered=coverage.is_covered(RetryEntry(state.name, index)),
                style="dotted",
                dir="both",
            )
        for index, route in enumerate(state.catch):
            self._edge(
                source,
                self._node(route.next),
                ident=f"catch-{number}-{index}",
                kind="catch",
                covered=coverage.is_covered(CatchEntry(state.name, index)),
                style="dashed",
                label=_html_label(f"catch {index}: {label_text(', '.join(route.error_equals))}"),
            )


def _status(covered: bool) -> str:
    return "covered" if covered else "missed"


def dot_source(coverage: DefinitionCoverage, *, prefix: str = "d0") -> str:
    """The DOT text that draws one definition; every SVG id the drawing makes starts with `prefix`."""
    return _Drawing(coverage, prefix).source()


# ---------------------------------------------------------------------------------------------
# SVG


def render_svg(source: str, *, dot: str = "dot", timeout: float = DOT_TIMEOUT_SECONDS) -> str:
    """Lay out DOT text with Graphviz and return the ``<svg>`` element, ready to inline in HTML.

    Raises:
        ReportError: ``dot`` is not installed, fails, or produced something that is not SVG.
    """
    program = shutil.which(dot)
    if program is None:
        raise ReportError(
            f"Graphviz's {dot!r} program was not found: install Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz) to draw the coverage report"
        )
    try:
        done = subprocess.run(
            [program, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ReportError(f"Graphviz did not finish drawing within {timeout:g} s") from None
    if done.returncode != 0:
        raise ReportError(
            f"Graphviz failed (exit {done.returncode}): {done.stderr.decode('utf-8', 'replace')}"
        )
    text = done.stdout.decode("utf-8")
    start = text.find("<svg")
    if start < 0:
        raise ReportError("Graphviz produced no SVG")
    svg = text[start:]
    try:
        # Inlined into the page as is: it must be one well-formed element (Graphviz escapes the
        # label text it writes; this checks that it did).
        ElementTree.fromstring(svg)
    except ElementTree.ParseError as error:
        raise ReportError(f"Graphviz produced SVG that is not well-formed: {error}") from None
    return svg


# ---------------------------------------------------------------------------------------------
# The page


_STYLE: Final = f"""
body {{ font-family: {FONT}; margin: 24px; color: #1f2328; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
h2 {{ font-size: 17px; margin: 32px 0 6px; }}
.name {{ white-space: pre-wrap; }}
.muted {{ color: #57606a; }}
table {{ border-collapse: collapse; margin: 8px 0; }}
th, td {{ border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; font-size: 13px; }}
th {{ background: #f6f8fa; }}
td.count {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.full {{ color: {COVERED.line}; }}
td.partial {{ color: {MISSED.line}; font-weight: bold; }}
.legend {{ display: flex; flex-wrap: wrap; gap: 6px 22px; font-size: 13px; margin: 12px 0; }}
.swatch {{ display: inline-block; width: 14px; height: 14px; border: 2px solid; border-radius: 3px;
  vertical-align: -3px; margin-right: 5px; }}
.line {{ display: inline-block; width: 30px; height: 0; border-top: 2px solid #57606a; vertical-align: 4px;
  margin-right: 5px; }}
.swatch.covered {{ background: {COVERED.fill}; border-color: {COVERED.line}; }}
.swatch.missed {{ background: {MISSED.fill}; border-color: {MISSED.line}; }}
.swatch.structure {{ background: white; border-color: {STRUCTURE.line}; border-style: dashed; }}
.line.dashed {{ border-top-style: dashed; }}
.line.dotted {{ border-top-style: dotted; }}
.line.structure {{ border-top-color: {STRUCTURE.line}; }}
.graph {{ overflow-x: auto; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px; }}
.graph svg {{ max-width: 100%; height: auto; }}
h3.missed {{ font-size: 14px; margin: 12px 0 2px; }}
ul.missed {{ margin: 2px 0; font-size: 13px; }}
ul.missed li {{ white-space: pre-wrap; }}
ul.unread {{ font-size: 13px; }}
pre {{ background: #f6f8fa; padding: 8px; font-size: 12px; overflow-x: auto; }}
"""


def html_report(
    data: CoverageData,
    svgs: list[str],
    *,
    title: str = "TestState coverage",
    generated: datetime | None = None,
) -> str:
    """The page for `data`, with `svgs` the drawing of each definition (in the same order)."""
    if len(svgs) != len(data.definitions):
        raise ValueError("one SVG drawing per definition is needed")
    moment = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S %Z")
    calls = sum(coverage.observed.calls for coverage in data)
    executions = sum(coverage.observed.executions for coverage in data)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="muted" id="runs">{len(data.definitions)} definition(s), {calls} recorded TestState call(s), '
        f"{executions} execution(s) read; generated {html.escape(moment)}.</p>",
        _legend(),
        _totals(data),
        *_unread(data),
    ]
    for number, (coverage, svg) in enumerate(zip(data.definitions, svgs, strict=True)):
        parts.extend(_definition_section(coverage, svg, f"d{number}", number + 1))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _unread(data: CoverageData) -> list[str]:
    """The executions whose history could not be read (they covered nothing)."""
    if not data.unread:
        return []
    items = "".join(
        f'<li><span class="arn">{html.escape(visible(item.execution_arn))}</span>: {html.escape(visible(item.reason))}</li>'
        for item in data.unread
    )
    return [f'<h2>{len(data.unread)} execution(s) not read</h2><ul class="unread" id="unread">{items}</ul>']


def _legend() -> str:
    return (
        '<div class="legend" id="legend">'
        '<span><span class="swatch covered"></span>covered</span>'
        '<span><span class="swatch missed"></span>missed</span>'
        '<span><span class="swatch structure"></span>outside the definition / inner machine (not counted)</span>'
        '<span><span class="line"></span>Next (or the end)</span>'
        '<span><span class="line"></span>"rule n" / "Default": a Choice branch</span>'
        '<span><span class="line dashed"></span>Catch</span>'
        '<span><span class="line dotted"></span>Retry entry (a dotted box beside its state)</span>'
        '<span><span class="line structure"></span>start, inner machines (grey: not counted)</span>'
        "</div>"
    )


def _count_cells(tallies: Iterator[tuple[Category, str, int, int]]) -> str:
    cells = []
    for category, kind, covered, total in tallies:
        status = "full" if covered == total else "partial"
        cells.append(
            f'<td class="count {status}" data-kind="{kind}" data-covered="{covered}" data-total="{total}" '
            f'title="{html.escape(str(category))}">{covered}/{total}</td>'
        )
    return "".join(cells)


_KINDS: Final = {
    Category.STATES: "states",
    Category.CHOICE_BRANCHES: "choice-branches",
    Category.RETRIES: "retries",
    Category.CATCHES: "catches",
    Category.TRANSITIONS: "transitions",
}
if set(_KINDS) != set(Category):
    raise RuntimeError("every coverage category needs a kind in the report")


def _header_cells() -> str:
    return "".join(f"<th>{html.escape(str(category))}</th>" for category in Category)


def _totals(data: CoverageData) -> str:
    rows = [
        '<table class="totals" id="totals"><tr><th>#</th><th>definition</th><th>calls</th><th>executions</th>'
        f"{_header_cells()}</tr>"
    ]
    for number, coverage in enumerate(data, 1):
        tallies = ((c, _KINDS[c], t.covered, t.total) for c in Category for t in (coverage.tally(c),))
        rows.append(
            f'<tr data-definition="d{number - 1}"><td><a href="#d{number - 1}">{number}</a></td>'
            f'<td class="name">{html.escape(visible(coverage.title))}</td><td class="count">{coverage.observed.calls}</td>'
            f'<td class="count">{coverage.observed.executions}</td>{_count_cells(tallies)}</tr>'
        )
    tallies = ((c, _KINDS[c], t.covered, t.total) for c in Category for t in (data.total(c),))
    rows.append(
        f'<tr class="total"><td></td><td>total</td><td></td><td></td>{_count_cells(tallies)}</tr></table>'
    )
    return "".join(rows)


def _definition_section(coverage: DefinitionCoverage, svg: str, ident: str, number: int) -> list[str]:
    outline = coverage.outline
    kind = "single-state definition" if outline.single_state else "state machine"
    tallies = ((c, _KINDS[c], t.covered, t.total) for c in Category for t in (coverage.tally(c),))
    missed = [
        f'<h3 class="missed">missed {html.escape(str(category))}</h3><ul class="missed" data-kind="{_KINDS[category]}">'
        + "".join(f"<li>{html.escape(visible(describe(outline, item)))}</li>" for item in items)
        + "</ul>"
        for category in Category
        for items in (coverage.missed(category),)
        if items
    ]
    try:
        pretty = json.dumps(json.loads(coverage.definition), indent=2, ensure_ascii=False)
    except ValueError:
        pretty = coverage.definition
    parts = [
        f'<section class="definition" id="{ident}" data-digest="{coverage.digest}">',
        f'<h2>{number}. <span class="name">{html.escape(visible(coverage.title))}</span> '
        f'<span class="muted">({kind} {coverage.digest}, {coverage.observed.calls} call(s), '
        f"{coverage.observed.executions} execution(s))</span></h2>",
        f'<table class="counts"><tr>{_header_cells()}</tr><tr>{_count_cells(tallies)}</tr></table>',
    ]
    if coverage.observed.unattributed:
        parts.append(
            f'<p class="muted">{coverage.observed.unattributed} call(s) or execution decision(s) could not be '
            "attributed to a Choice rule, Retry or Catch entry.</p>"
        )
    parts.append(f'<div class="graph">{svg}</div>')
    if missed:
        parts.extend(missed)
    else:
        parts.append('<p class="muted">Nothing missed.</p>')
    parts.append(f"<details><summary>Definition</summary><pre>{html.escape(visible(pretty))}</pre></details>")
    parts.append("</section>")
    return parts


def write_html_report(
    data: CoverageData,
    directory: str | Path,
    *,
    filename: str = DEFAULT_FILENAME,
    title: str = "TestState coverage",
    dot: str = "dot",
) -> Path:
    """Draw every definition and write the page into `directory` (created if needed).

    Returns:
        The path of the page written.

    Raises:
        ReportError: Graphviz is missing or failed.
    """
    svgs = [
        render_svg(dot_source(coverage, prefix=f"d{number}"), dot=dot)
        for number, coverage in enumerate(data.definitions)
    ]
    target = Path(directory) / filename
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html_report(data, svgs, title=title), encoding="utf-8")
    return target
