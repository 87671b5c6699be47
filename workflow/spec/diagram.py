"""Draw a definition as the SOP's swimlane diagram: hand-laid-out SVG, and Mermaid text (pure).

The report's SOP diagram has one horizontal lane per party (Pemohon, Petugas, Tim, OPD); a definition
names its lanes in drawing order, so the drawing follows them. Layout rules, chosen so the same
definition always draws the same picture (tests and screenshots compare it):

* a state sits in its lane, in the column of its breadth-first depth from the initial state, so the
  picture reads left to right in the order a complaint moves; states no path reaches go after the rest;
* two states of one lane in one column share the lane on separate rows (the lane grows);
* transitions between the same two states are drawn once, their labels joined;
* terminal states are drawn dark with a double border, the initial state with a thick border, and the
  ``highlight`` state (a ticket's current state) in orange with ``class="current"``;
* a handoff's waiting state carries a parallel gateway (a diamond with a plus, BPMN's sign for "in
  parallel") and a note saying the ticket is with several agencies at once, each on its own clocks; the
  handoff's move on (when every agency has answered) is a double arrow, ``class="transition handoff"``.

No Graphviz or JavaScript is needed: the console inlines the SVG or serves it as ``image/svg+xml``.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass

from workflow.spec.model import Definition, State, Transition

BOX_W = 150
BOX_H = 48
COL_W = 220  # column pitch: box plus room for an arrow and its label
ROW_H = 84  # row pitch inside a lane
LANE_PAD = 14
HEADER_W = 140  # the lane titles on the left
TITLE_H = 34
LABEL_MAX = 26  # characters of a transition label before it is shortened
FAN_IN = 4  # a transition leaving this many states or more is drawn as one stub ("dari 8 tahap")


@dataclass(frozen=True)
class Box:
    """Where one state is drawn."""

    state: str
    lane: str
    column: int
    row: int
    x: float
    y: float

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Box]
    lanes: list[tuple[str, str, float, float]]  # key, label, top y, height
    width: float
    height: float


def depths(definition: Definition) -> dict[str, int]:
    """Breadth-first depth of every state from the initial one; unreachable states come last."""
    out = {definition.initial: 0}
    queue = deque([definition.initial])
    while queue:
        here = queue.popleft()
        moves = [t.dest for t in definition.transitions_from(here)]
        moves += [h.then for h in definition.handoffs.values() if h.state == here]
        for dest in moves:
            if dest in definition.states and dest not in out:
                out[dest] = out[here] + 1
                queue.append(dest)
    last = max(out.values(), default=0) + 1
    for key in definition.states:
        out.setdefault(key, last)
    return out


def _label(item: State | Transition | object, locale: str) -> str:
    label = getattr(item, "label", "") or getattr(item, "key", "") or getattr(item, "trigger", "")
    if locale == "en" and getattr(item, "label_en", ""):
        return item.label_en  # type: ignore[union-attr]
    return label


def _lane_order(definition: Definition) -> list[tuple[str, str]]:
    lanes = [(lane.key, lane.label) for lane in definition.lanes]
    known = {k for k, _ in lanes}
    for state in definition.states.values():  # a state in an undeclared lane still gets drawn
        if state.lane not in known:
            lanes.append((state.lane, state.lane))
            known.add(state.lane)
    return lanes


def layout(definition: Definition, locale: str = "id") -> Layout:
    """Place every state: lane by its lane, column by its depth, rows when a lane's column is shared."""
    depth = depths(definition)
    lane_labels = {lane.key: (lane.label_en if locale == "en" and lane.label_en else lane.label)
                   for lane in definition.lanes}
    order = _lane_order(definition)
    rows: dict[tuple[str, int], int] = {}
    slot: dict[str, tuple[int, int]] = {}
    # States keep the file's order inside a column, which is the order their authors think in.
    for key, state in definition.states.items():
        column = depth[key]
        row = rows.get((state.lane, column), 0)
        rows[(state.lane, column)] = row + 1
        slot[key] = (column, row)
    boxes: dict[str, Box] = {}
    lanes: list[tuple[str, str, float, float]] = []
    top = TITLE_H
    for lane_key, label in order:
        used = max((r for (ln, _), r in rows.items() if ln == lane_key), default=1)
        height = used * ROW_H + 2 * LANE_PAD - (ROW_H - BOX_H)
        height = max(height, BOX_H + 2 * LANE_PAD)
        lanes.append((lane_key, lane_labels.get(lane_key, label), top, height))
        for key, state in definition.states.items():
            if state.lane != lane_key:
                continue
            column, row = slot[key]
            boxes[key] = Box(key, lane_key, column, row, HEADER_W + 24 + column * COL_W,
                             top + LANE_PAD + row * ROW_H)
        top += height
    columns = max((b.column for b in boxes.values()), default=0) + 1
    return Layout(boxes, lanes, HEADER_W + 24 + columns * COL_W, top + 10)


def _wrap(text: str, width: int = 22, lines: int = 2) -> list[str]:
    words, out, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


def _short(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1].rstrip() + "…"


LABEL_TS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)  # where along a curve a label may sit, best first
CHAR_W = 5.6  # average width of a 10px label character


def _edge_path(a: Box, b: Box, bend: int) -> tuple[str, list[tuple[float, float]]]:
    """A cubic curve from box a to box b, and the candidate points for its label, best first."""
    if a.state == b.state:  # a loop: out of the top and back in
        x0, y0 = a.cx - 20, a.y
        x1, y1 = a.cx + 20, a.y
        path = f"M{x0:.1f},{y0:.1f} C{x0 - 10:.1f},{y0 - 46:.1f} {x1 + 10:.1f},{y1 - 46:.1f} {x1:.1f},{y1:.1f}"
        return path, [(a.cx, a.y - 38)]
    if b.column > a.column:
        x0, y0 = a.x + BOX_W, a.cy + bend * 6
        x1, y1 = b.x, b.cy + bend * 6
        dx = max(40.0, (x1 - x0) / 2)
        c0, c1 = (x0 + dx, y0), (x1 - dx, y1)
    elif b.column < a.column:  # back edge: leave below, come back below, away from forward arrows
        x0, y0 = a.cx - 18 + bend * 8, a.y + BOX_H
        x1, y1 = b.cx + 18 + bend * 8, b.y + BOX_H
        drop = 34 + 6 * abs(bend)
        c0, c1 = (x0, max(y0, y1) + drop), (x1, max(y0, y1) + drop)
    else:  # same column: vertical
        if b.cy > a.cy:
            x0, y0, x1, y1 = a.cx + 24, a.y + BOX_H, b.cx + 24, b.y
        else:
            x0, y0, x1, y1 = a.cx - 24, a.y, b.cx - 24, b.y + BOX_H
        c0, c1 = (x0 + 30, y0 + (y1 - y0) / 3), (x1 + 30, y0 + 2 * (y1 - y0) / 3)
    points = []
    for t in LABEL_TS:
        u = 1 - t
        points.append((u ** 3 * x0 + 3 * u * u * t * c0[0] + 3 * u * t * t * c1[0] + t ** 3 * x1,
                       u ** 3 * y0 + 3 * u * u * t * c0[1] + 3 * u * t * t * c1[1] + t ** 3 * y1))
    path = f"M{x0:.1f},{y0:.1f} C{c0[0]:.1f},{c0[1]:.1f} {c1[0]:.1f},{c1[1]:.1f} {x1:.1f},{y1:.1f}"
    return path, points


Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlaps(r: Rect, others: list[Rect]) -> bool:
    return any(r[0] < o[2] and o[0] < r[2] and r[1] < o[3] and o[1] < r[3] for o in others)


def _place_label(text: str, points: list[tuple[float, float]], taken: list[Rect]) -> tuple[str, float, float] | None:
    """The first spot along the curve where the label (or its first words) hides no box and no label.

    Labels that find no free spot are left out of the picture; the arrow's tooltip still names them.
    """
    shorter = _short(text)
    words = shorter.split()
    tries = [shorter] + ([" ".join(words[:2]) + "…"] if len(words) > 2 else []) + \
        ([words[0] + "…"] if len(words) > 1 else [])
    for label in tries:
        half = len(label) * CHAR_W / 2 + 2
        for x, y in points:
            rect = (x - half, y - 14, x + half, y)
            if not _overlaps(rect, taken):
                taken.append(rect)
                return label, x, y - 3
    return None


def edges(definition: Definition, locale: str = "id") -> list[tuple[str, str, list[str], list[str]]]:
    """Transitions merged per (source, destination): labels and trigger names, in file order.

    Transitions with `FAN_IN` sources or more (withdrawal from any open stage) are left out: `stubs`
    draws them, since eight arrows into one box hide the rest of the SOP.
    """
    merged: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for t in definition.transitions:
        if len(t.sources) >= FAN_IN:
            continue
        for source in t.sources:
            labels, triggers = merged.setdefault((source, t.dest), ([], []))
            label = _label(t, locale)
            if label not in labels:
                labels.append(label)
            if t.trigger not in triggers:
                triggers.append(t.trigger)
    for h in definition.handoffs.values():  # the engine's move on once every agency has answered
        labels, triggers = merged.setdefault((h.state, h.then), ([], []))
        labels.append("all agencies answered" if locale == "en" else "semua instansi menjawab")
        triggers.append(f"handoff:{h.key}")
    return [(s, d, labels, triggers) for (s, d), (labels, triggers) in merged.items()]


def stubs(definition: Definition) -> list[Transition]:
    """Transitions drawn as a stub into their destination instead of one arrow per source."""
    return [t for t in definition.transitions if len(t.sources) >= FAN_IN]


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
.alur-sop .transition text{font-size:10px;fill:#495057;paint-order:stroke;stroke:#fff;stroke-width:3px}
.alur-sop .transition.stub path{stroke-dasharray:4 3}
.alur-sop .title{font-size:15px;font-weight:700;fill:#212529}
.alur-sop .transition.handoff path{stroke:#6f42c1;stroke-width:3;stroke-dasharray:1 0}
.alur-sop .gateway path{fill:#fff;stroke:#6f42c1;stroke-width:1.5}
.alur-sop .gateway text{font-size:10px;fill:#6f42c1;font-weight:600}
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
                                   "markerWidth": "7", "markerHeight": "7", "orient": "auto-start-reverse"})
    _add(marker, "path", {"d": "M0,0 L10,5 L0,10 z", "fill": colour})


class _Drawing:
    """One SVG being drawn: the definition, its layout, and the label spots already taken."""

    def __init__(self, definition: Definition, lay: Layout, highlight: str | None, locale: str, id_prefix: str):
        self.definition, self.lay, self.highlight, self.locale = definition, lay, highlight, locale
        self.id_prefix = id_prefix
        self.marker, self.marker_hot = f"{id_prefix}-arrow", f"{id_prefix}-arrow-hot"
        # a label may cover neither a box nor another label
        self.taken: list[Rect] = [(b.x - 2, b.y - 2, b.x + BOX_W + 2, b.y + BOX_H + 2) for b in lay.boxes.values()]

    def arrow(self, hot: bool) -> str:
        return f"url(#{self.marker_hot if hot else self.marker})"

    def document(self, title: str) -> ET.Element:
        lay, d = self.lay, self.definition
        # xmlns as a plain attribute keeps the default namespace without ElementTree's ns0: prefixes
        root = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "class": "alur-sop", "role": "img",
                                  "width": f"{lay.width:.0f}", "height": f"{lay.height:.0f}",
                                  "viewBox": f"0 0 {lay.width:.0f} {lay.height:.0f}",
                                  "data-definition": _xml_safe(d.key), "data-version": f"{d.version or ''}"})
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
                                "width": f"{self.lay.width - 8:.1f}", "height": f"{height:.1f}"})
            _add(lane, "line", {"x1": f"{HEADER_W}", "y1": f"{top:.1f}", "x2": f"{HEADER_W}",
                                "y2": f"{top + height:.1f}", "stroke": "#ced4da"})
            for j, line in enumerate(_wrap(label, 18, 3)):
                _add(lane, "text", {"class": "lane-title", "x": "12", "y": f"{top + 22 + j * 16:.1f}"}, line)

    def stubs(self, root: ET.Element) -> None:
        """Transitions from many states: a short dashed arrow into the destination, noted with a count."""
        d = self.definition
        for n, t in enumerate(stubs(d)):
            if t.dest not in self.lay.boxes:
                continue
            b = self.lay.boxes[t.dest]
            hot = self.highlight is not None and self.highlight in t.sources
            x, y0 = b.x + BOX_W - 24 - 10 * n, b.y - 28
            sources = ", ".join(_label(d.states[s], self.locale) if s in d.states else s for s in t.sources)
            note = f"{_short(_label(t, self.locale))} ({len(t.sources)}×)"
            self.taken.append((x, y0 - 2, x + 6 + len(note) * CHAR_W, y0 + 11))
            group = _add(root, "g", {"class": "transition stub from-current" if hot else "transition stub",
                                     "data-from": " ".join(t.sources), "data-to": t.dest, "data-triggers": t.trigger})
            _add(group, "title", text=f"{_label(t, self.locale)} ({t.trigger}): {sources}")
            _add(group, "path", {"d": f"M{x:.1f},{y0:.1f} L{x:.1f},{b.y:.1f}", "marker-end": self.arrow(hot)})
            _add(group, "text", {"x": f"{x + 4:.1f}", "y": f"{y0 + 8:.1f}", "text-anchor": "start"}, note)

    def edges(self, root: ET.Element) -> None:
        """One arrow per pair of states, its labels joined; bends separate arrows sharing boxes' sides."""
        seen_pairs: dict[tuple[str, str], int] = {}
        for source, dest, labels, triggers in edges(self.definition, self.locale):
            if source not in self.lay.boxes or dest not in self.lay.boxes:
                continue
            a, b = self.lay.boxes[source], self.lay.boxes[dest]
            pair = (min(source, dest), max(source, dest))
            bend = seen_pairs.get(pair, 0)
            seen_pairs[pair] = bend + 1
            path, points = _edge_path(a, b, bend if b.column != a.column else 0)
            hot = self.highlight is not None and source == self.highlight
            placed = _place_label(" / ".join(labels), points, self.taken)
            kind = "transition handoff" if any(t.startswith("handoff:") for t in triggers) else "transition"
            group = _add(root, "g", {"class": f"{kind} from-current" if hot else kind,
                                     "data-from": source, "data-to": dest, "data-triggers": " ".join(triggers)})
            _add(group, "title", text=f"{' / '.join(labels)} ({', '.join(triggers)})")
            _add(group, "path", {"d": path, "marker-end": self.arrow(hot)})
            if placed:
                _add(group, "text", {"x": f"{placed[1]:.1f}", "y": f"{placed[2]:.1f}", "text-anchor": "middle"},
                     placed[0])

    def states(self, root: ET.Element) -> None:
        for key, state in self.definition.states.items():
            box = self.lay.boxes[key]
            classes = ["state"] + (["initial"] if state.initial else []) + (["terminal"] if state.terminal else []) \
                + (["current"] if self.highlight == key else [])
            label = _label(state, self.locale)
            group = _add(root, "g", {"class": " ".join(classes), "id": f"{self.id_prefix}-state-{key}",
                                     "data-state": key})
            _add(group, "title", text=f"{label} [{key}]" + (f" — {state.outcome}" if state.outcome else ""))
            _add(group, "rect", {"x": f"{box.x:.1f}", "y": f"{box.y:.1f}", "width": f"{BOX_W}",
                                 "height": f"{BOX_H}", "rx": "9"})
            if state.terminal:
                _add(group, "rect", {"class": "inner", "x": f"{box.x + 3:.1f}", "y": f"{box.y + 3:.1f}",
                                     "width": f"{BOX_W - 6}", "height": f"{BOX_H - 6}", "rx": "7"})
            handoff = self.definition.handoff_in(key)
            if handoff is not None:
                self.gateway(group, box, handoff)
            lines = _wrap(label)
            first = box.cy - (len(lines) - 1) * 7 + 4
            for j, line in enumerate(lines):
                _add(group, "text", {"x": f"{box.cx:.1f}", "y": f"{first + j * 14:.1f}", "text-anchor": "middle"},
                     line)

    def gateway(self, group: ET.Element, box: Box, handoff) -> None:
        """A parallel gateway on the waiting state's left edge, and a note: several agencies, each its own clocks."""
        d, en = self.definition, self.locale == "en"
        group.set("data-handoff", _xml_safe(handoff.key))
        x, y = box.x, box.cy
        gate = _add(group, "g", {"class": "gateway"})
        clocks = [d.clocks[c] for c in (handoff.acknowledge, handoff.answer) if c in d.clocks]
        spans = ", ".join(f"{_label(c, self.locale)} {c.budget.describe()}" for c in clocks)
        _add(gate, "title", text=(f"{_label(handoff, self.locale)}: " + (
            f"several agencies at once, each on its own clocks ({spans}); goes on when all have answered" if en
            else f"beberapa instansi sekaligus, masing-masing dengan tenggatnya ({spans}); lanjut bila semua menjawab")))
        _add(gate, "path", {"d": f"M{x:.1f},{y - 11:.1f} L{x + 11:.1f},{y:.1f} L{x:.1f},{y + 11:.1f} "
                                 f"L{x - 11:.1f},{y:.1f} Z"})
        _add(gate, "path", {"d": f"M{x - 5:.1f},{y:.1f} L{x + 5:.1f},{y:.1f} M{x:.1f},{y - 5:.1f} L{x:.1f},{y + 5:.1f}"})
        note = "parallel" if en else "paralel"
        _add(gate, "text", {"x": f"{box.x + BOX_W / 2:.1f}", "y": f"{box.y + BOX_H + 11:.1f}",
                            "text-anchor": "middle"}, f"{note}: {_short(_label(handoff, self.locale))}")
        self.taken.append((box.x, box.y + BOX_H, box.x + BOX_W, box.y + BOX_H + 13))


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("|", "#124;").replace("\n", " ")


def render_mermaid(definition: Definition, *, highlight: str | None = None, locale: str = "id") -> str:
    """The same diagram as a Mermaid flowchart, one subgraph per lane (for docs and wikis)."""
    lines = ["flowchart LR"]
    for lane_key, label in _lane_order(definition):
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


__all__ = ["render_svg", "render_mermaid", "layout", "depths", "edges", "stubs", "Layout", "Box"]
