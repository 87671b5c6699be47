"""Draw a definition as the SOP's swimlane diagram: SVG laid out by a graph-layout library, and Mermaid text.

The report's SOP diagram has one horizontal lane per party (Pemohon, Petugas, Tim, OPD); a definition
names its lanes in drawing order, so the drawing follows them. Where things go is decided in
`workflow.spec.diagram_layout` and `workflow.spec.diagram_grid` (grandalf's Sugiyama layering for the
columns, arrows routed through the gutters so none crosses a box, labels wrapped and never shortened);
the same definition always draws the same picture. Here it is drawn:

* terminal states dark with a double border, the initial state with a thick border, and the
  ``highlight`` state (a ticket's current state) in orange with ``class="current"``;
* transitions between the same two states are drawn once, their labels joined; a transition from
  many states is one dashed stub into its destination, noted with a count;
* a handoff's waiting state carries a parallel gateway (a diamond with a plus, BPMN's sign for "in
  parallel") and a note saying the ticket is with several agencies at once, each on its own clocks; the
  handoff's move on (when every agency has answered) is a double arrow, ``class="transition handoff"``;
* a label with no free spot beside its arrow is a numbered badge on the arrow, its text in the legend.

No Graphviz or JavaScript is needed: the console inlines the SVG (in a scrollable, focusable frame) or
serves it as ``image/svg+xml``.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from workflow.spec.diagram_grid import layout
from workflow.spec.diagram_layout import (
    BOX_H,
    BOX_W,
    CHAR_W,
    HEADER_W,
    LANE_CHARS,
    LINE_H,
    Box,
    Label,
    Layout,
    depths,
    edges,
    label_of,
    lane_order,
    stubs,
    wrap,
)
from workflow.spec.model import Definition

_label = label_of


STYLE = """
.alur-sop text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif}
.alur-sop .lane-bg{fill:#f8f9fa;stroke:#ced4da}
.alur-sop .lane-bg.odd{fill:#eef2f6}
.alur-sop .lane-title{font-size:13px;font-weight:600;fill:#343a40}
.alur-sop .state rect{fill:#fff;stroke:#0d6efd;stroke-width:1.5}
.alur-sop .state text{font-size:12px;fill:#212529}
.alur-sop .state.initial rect{stroke-width:3.5}
.alur-sop .state.terminal rect{fill:#495057;stroke:#212529}
.alur-sop .state.terminal rect.inner{fill:none;stroke:#f8f9fa;stroke-width:1}
.alur-sop .state.terminal text{fill:#fff}
.alur-sop .state.current rect{fill:#fd7e14;stroke:#c2410c;stroke-width:3.5}
.alur-sop .state.current text{fill:#000;font-weight:700}
.alur-sop .transition path{fill:none;stroke:#6c757d;stroke-width:1.2}
.alur-sop .transition.from-current path{stroke:#c2410c;stroke-width:2}
.alur-sop .transition text{font-size:11px;fill:#343a40;paint-order:stroke;stroke:#fff;stroke-width:3px}
.alur-sop .transition rect.badge{fill:#fff;stroke:#495057}
.alur-sop .transition text.badge{font-weight:700;stroke-width:0}
.alur-sop .legend text{font-size:12px;fill:#212529}
.alur-sop .transition.stub path{stroke-dasharray:4 3}
.alur-sop .title{font-size:15px;font-weight:700;fill:#212529}
.alur-sop .transition.handoff path{stroke:#6f42c1;stroke-width:3;stroke-dasharray:1 0}
.alur-sop .gateway path{fill:#fff;stroke:#6f42c1;stroke-width:1.5}
.alur-sop .gateway text{font-size:11px;fill:#5a32a3;font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:3px}
"""


def render_svg(definition: Definition, *, highlight: str | None = None, locale: str = "id",
               id_prefix: str = "sop", title: str | None = None) -> str:
    """The swimlane diagram as a standalone SVG document (also fit for inlining in HTML).

    The document is built as an element tree and serialised by `xml.etree.ElementTree`, never joined
    from strings: names and labels come from a definition a supervisor wrote, and every attribute and
    text must be escaped whatever it holds (issue 12: a lane name with quotes became event handlers).

    Args:
        highlight: a state key to mark as the ticket's current state; unknown keys are ignored.
        id_prefix: prefix of element ids, so two diagrams can share one HTML page.
    """
    if title is None:
        head = definition.title_en if locale == "en" and definition.title_en else definition.title
        title = f"{head} (v{definition.version})" if definition.version else head
    drawing = _Drawing(definition, layout(definition, locale), highlight, locale, id_prefix)
    root = drawing.document(title)
    drawing.lanes(root)
    drawing.stubs(root)
    drawing.edges(root)
    drawing.states(root)
    drawing.legend(root)
    ET.indent(root, space="")
    return ET.tostring(root, encoding="unicode")


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value: object) -> str:
    """`value` as text XML can carry: the control characters XML 1.0 forbids are left out."""
    return _NOT_XML.sub("", str(value))


def _add(parent: ET.Element, tag: str, attributes: dict[str, object] | None = None,
         text: str | None = None) -> ET.Element:
    """A child element; the writer escapes every attribute value and the text."""
    element = ET.SubElement(parent, tag, {name: _xml_safe(value) for name, value in (attributes or {}).items()})
    if text is not None:
        element.text = _xml_safe(text)
    return element


def _marker(defs: ET.Element, marker_id: str, colour: str) -> None:
    marker = _add(defs, "marker", {"id": marker_id, "viewBox": "0 0 10 10", "refX": "10", "refY": "5",
                                   "markerWidth": "9", "markerHeight": "9", "markerUnits": "userSpaceOnUse",
                                   "orient": "auto-start-reverse"})
    _add(marker, "path", {"d": "M0,0 L10,5 L0,10 z", "fill": colour})


def _path(points) -> str:
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)


class _Drawing:
    """One SVG being drawn from its layout."""

    def __init__(self, definition: Definition, lay: Layout, highlight: str | None, locale: str, id_prefix: str):
        self.definition, self.lay, self.highlight, self.locale = definition, lay, highlight, locale
        self.id_prefix = id_prefix
        self.marker, self.marker_hot = f"{id_prefix}-arrow", f"{id_prefix}-arrow-hot"

    def arrow(self, hot: bool) -> str:
        return f"url(#{self.marker_hot if hot else self.marker})"

    def document(self, title: str) -> ET.Element:
        lay, d = self.lay, self.definition
        width = max(lay.width, len(title) * 8.5 + 24)
        # xmlns as a plain attribute keeps the default namespace without ElementTree's ns0: prefixes
        root = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "class": "alur-sop", "role": "img",
                                  "width": f"{width:.0f}", "height": f"{lay.height:.0f}",
                                  "viewBox": f"0 0 {width:.0f} {lay.height:.0f}",
                                  "data-definition": _xml_safe(d.key), "data-version": f"{d.version or ''}"})
        self.width = width
        _add(root, "title", text=title)
        _add(root, "style", text=STYLE)
        defs = _add(root, "defs")
        _marker(defs, self.marker, "#6c757d")
        _marker(defs, self.marker_hot, "#c2410c")
        _add(root, "text", {"class": "title", "x": "12", "y": "22"}, title)
        return root

    def lanes(self, root: ET.Element) -> None:
        for i, (key, label, top, height) in enumerate(self.lay.lanes):
            lane = _add(root, "g", {"class": "lane", "data-lane": key})
            _add(lane, "rect", {"class": "lane-bg odd" if i % 2 else "lane-bg", "x": "4", "y": f"{top:.1f}",
                                "width": f"{self.width - 8:.1f}", "height": f"{height:.1f}"})
            _add(lane, "line", {"x1": f"{HEADER_W}", "y1": f"{top:.1f}", "x2": f"{HEADER_W}",
                                "y2": f"{top + height:.1f}", "stroke": "#ced4da"})
            for j, line in enumerate(wrap(label, LANE_CHARS)):
                _add(lane, "text", {"class": "lane-title", "x": "12", "y": f"{top + 22 + j * 16:.1f}"}, line)

    def _block(self, parent: ET.Element, block: Label, cls: str | None = None) -> None:
        """A wrapped label: one <text> per line, centred in its block."""
        for j, line in enumerate(block.lines):
            attrs = {"x": f"{block.x + block.w / 2:.1f}", "y": f"{block.y + LINE_H - 1 + j * LINE_H:.1f}",
                     "text-anchor": "middle"}
            if cls:
                attrs["class"] = cls
            _add(parent, "text", attrs, line)

    def stubs(self, root: ET.Element) -> None:
        """Transitions from many states: a short dashed arrow into the destination, noted with a count."""
        d = self.definition
        notes = {kind.split(":")[1]: (kind, block) for kind, block in self.lay.notes if kind.startswith("stub:")}
        for t in stubs(d):
            if t.dest not in self.lay.boxes or t.trigger not in notes:
                continue
            kind, block = notes[t.trigger]
            b = self.lay.boxes[t.dest]
            x = float(kind.split(":")[2])
            hot = self.highlight is not None and self.highlight in t.sources
            sources = ", ".join(_label(d.states[s], self.locale) if s in d.states else s for s in t.sources)
            group = _add(root, "g", {"class": "transition stub from-current" if hot else "transition stub",
                                     "data-from": " ".join(t.sources), "data-to": t.dest, "data-triggers": t.trigger})
            _add(group, "title", text=f"{_label(t, self.locale)} ({t.trigger}): {sources}")
            _add(group, "path", {"d": f"M{x:.1f},{b.y - 26:.1f} L{x:.1f},{b.y:.1f}", "marker-end": self.arrow(hot)})
            self._block(group, block)

    def edges(self, root: ET.Element) -> None:
        """One arrow per pair of states, its labels joined, along its routed polyline."""
        for route in self.lay.routes:
            hot = self.highlight is not None and route.source == self.highlight
            kind = "transition handoff" if any(t.startswith("handoff:") for t in route.triggers) else "transition"
            group = _add(root, "g", {"class": f"{kind} from-current" if hot else kind, "data-from": route.source,
                                     "data-to": route.dest, "data-triggers": " ".join(route.triggers)})
            _add(group, "title", text=f"{' / '.join(route.labels)} ({', '.join(route.triggers)})")
            _add(group, "path", {"d": _path(route.points), "marker-end": self.arrow(hot)})
            block = route.label
            if block is None:
                continue
            if block.badge is not None:
                _add(group, "rect", {"class": "badge", "x": f"{block.x:.1f}", "y": f"{block.y:.1f}",
                                     "width": f"{block.w:.1f}", "height": f"{block.h:.1f}", "rx": "7"})
                self._block(group, block, "badge")
            else:
                self._block(group, block)

    def legend(self, root: ET.Element) -> None:
        if not self.lay.legend:
            return
        group = _add(root, "g", {"class": "legend"})
        for n, lines, x, y in self.lay.legend:
            for j, line in enumerate(lines):
                _add(group, "text", {"x": f"{x:.1f}", "y": f"{y + LINE_H - 1 + j * LINE_H:.1f}",
                                     "data-badge": str(n)}, line)

    def states(self, root: ET.Element) -> None:
        for key, state in self.definition.states.items():
            box = self.lay.boxes[key]
            classes = ["state"] + (["initial"] if state.initial else []) + (["terminal"] if state.terminal else []) \
                + (["current"] if self.highlight == key else [])
            label = _label(state, self.locale)
            group = _add(root, "g", {"class": " ".join(classes), "id": f"{self.id_prefix}-state-{key}",
                                     "data-state": key})
            _add(group, "title", text=f"{label} [{key}]" + (f" — {state.outcome}" if state.outcome else ""))
            _add(group, "rect", {"x": f"{box.x:.1f}", "y": f"{box.y:.1f}", "width": f"{box.w:.0f}",
                                 "height": f"{box.h:.1f}", "rx": "9"})
            if state.terminal:
                _add(group, "rect", {"class": "inner", "x": f"{box.x + 3:.1f}", "y": f"{box.y + 3:.1f}",
                                     "width": f"{box.w - 6:.0f}", "height": f"{box.h - 6:.1f}", "rx": "7"})
            handoff = self.definition.handoff_in(key)
            if handoff is not None:
                self.gateway(group, box, handoff)
            lines = box.lines or (label,)
            first = box.cy - (len(lines) - 1) * 7.5 + 4
            for j, line in enumerate(lines):
                _add(group, "text", {"x": f"{box.cx:.1f}", "y": f"{first + j * 15:.1f}", "text-anchor": "middle"},
                     line)

    def gateway(self, group: ET.Element, box: Box, handoff) -> None:
        """A parallel gateway on the waiting state's top-left corner, and a note: several agencies, each its
        own clocks."""
        d, en = self.definition, self.locale == "en"
        group.set("data-handoff", _xml_safe(handoff.key))
        x, y = box.x + 14, box.y
        gate = _add(group, "g", {"class": "gateway"})
        clocks = [d.clocks[c] for c in (handoff.acknowledge, handoff.answer) if c in d.clocks]
        spans = ", ".join(f"{_label(c, self.locale)} {c.budget.describe()}" for c in clocks)
        _add(gate, "title", text=(f"{_label(handoff, self.locale)}: " + (
            f"several agencies at once, each on its own clocks ({spans}); goes on when all have answered" if en
            else f"beberapa instansi sekaligus, masing-masing dengan tenggatnya ({spans}); "
                 "lanjut bila semua menjawab")))
        _add(gate, "path", {"d": f"M{x:.1f},{y - 11:.1f} L{x + 11:.1f},{y:.1f} L{x:.1f},{y + 11:.1f} "
                                 f"L{x - 11:.1f},{y:.1f} Z"})
        _add(gate, "path", {"d": f"M{x - 5:.1f},{y:.1f} L{x + 5:.1f},{y:.1f} "
                                 f"M{x:.1f},{y - 5:.1f} L{x:.1f},{y + 5:.1f}"})
        note = next((block for kind, block in self.lay.notes if kind == f"handoff:{handoff.key}"), None)
        if note is not None:
            self._block(gate, note)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("|", "#124;").replace("\n", " ")


def render_mermaid(definition: Definition, *, highlight: str | None = None, locale: str = "id") -> str:
    """The same diagram as a Mermaid flowchart, one subgraph per lane (for docs and wikis)."""
    lines = ["flowchart LR"]
    for lane_key, label in lane_order(definition):
        lane = next((ln for ln in definition.lanes if ln.key == lane_key), None)
        if lane is not None and locale == "en" and lane.label_en:
            label = lane.label_en
        members = [s for s in definition.states.values() if s.lane == lane_key]
        if not members:
            continue
        lines.append(f'  subgraph lane_{lane_key}["{_mermaid_text(label)}"]')
        lines.append("    direction LR")
        for state in members:
            text = _mermaid_text(_label(state, locale))
            shape = f'(["{text}"])' if state.terminal else f'["{text}"]'
            lines.append(f"    {state.key}{shape}")
        lines.append("  end")
    for source, dest, labels, _ in edges(definition, locale):
        lines.append(f'  {source} -->|"{_mermaid_text(" / ".join(labels))}"| {dest}')
    for t in stubs(definition):  # Mermaid lays out long fan-ins well enough: draw them in full
        for source in t.sources:
            lines.append(f'  {source} -.->|"{_mermaid_text(_label(t, locale))}"| {t.dest}')
    terminals = [s.key for s in definition.states.values() if s.terminal]
    lines.append("  classDef terminal fill:#495057,color:#fff,stroke:#212529")
    lines.append("  classDef initial stroke-width:4px")
    if terminals:
        lines.append(f"  class {','.join(terminals)} terminal")
    lines.append(f"  class {definition.initial} initial")
    waiting = [h.state for h in definition.handoffs.values() if h.state in definition.states]
    if waiting:  # several agencies at once
        lines.append("  classDef handoff stroke:#6f42c1,stroke-width:3px,stroke-dasharray:6 3")
        lines.append(f"  class {','.join(waiting)} handoff")
    if highlight in definition.states:
        lines.append("  classDef current fill:#fd7e14,stroke:#c2410c,stroke-width:3px")
        lines.append(f"  class {highlight} current")
    return "\n".join(lines) + "\n"


__all__ = [
    "BOX_H",
    "BOX_W",
    "CHAR_W",
    "Box",
    "Layout",
    "depths",
    "edges",
    "layout",
    "render_mermaid",
    "render_svg",
    "stubs",
]
