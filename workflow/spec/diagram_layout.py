"""Where the SOP swimlane diagram puts its boxes, arrows and labels (pure geometry, no drawing).

Columns come from a graph-layout library: grandalf's Sugiyama ("dot") layering ranks the states so each
arrow points left to right where it can, and its crossing reduction orders the states of one column.
Its feedback arcs are chosen from the reading order (breadth-first depth from the initial state, then
the file's order), so returns to an earlier stage are the arrows drawn backwards. The swimlanes then fix
each state's band: a state sits in its lane, and states of one lane in one column share the lane on
separate rows, in grandalf's order.

Arrows never cross a box: boxes sit on a grid of cells, and every arrow runs orthogonally through the
gutters between columns and between rows, each arrow on its own track; a gutter grows with its tracks.
Labels are wrapped, never shortened: each is put where its block covers no box, no other label and no
note; a label that finds no such spot gets a numbered badge on its arrow and its full text in a legend
under the lanes.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from grandalf.graphs import Edge, Vertex, graph_core
from grandalf.layouts import SugiyamaLayout

from workflow.spec.model import Definition, State, Transition

BOX_W = 168
BOX_H = 48  # the least height of a state box; a long name makes it taller
STATE_CHARS = 20  # characters per line of a state name (12px)
LABEL_CHARS = 18  # characters per line of an arrow label (11px)
CHAR_W = 6.2  # a generous average width of an 11px character
LINE_H = 13
GUTTER_V = 164  # base width between columns: room for a label beside the tracks
GUTTER_H = 34  # base height between rows
TRACK = 9  # distance between two arrows sharing a gutter
HEADER_W = 140  # the lane titles on the left
LANE_CHARS = 17
TITLE_H = 34
FAN_IN = 4  # a transition leaving this many states or more is drawn as one stub ("dari 8 tahap")

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1
Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """Where one state is drawn."""

    state: str
    lane: str
    column: int
    row: int
    x: float
    y: float
    w: float = BOX_W
    h: float = BOX_H
    lines: tuple[str, ...] = ()

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def rect(self) -> Rect:
        return (self.x, self.y, self.x + self.w, self.y + self.h)


@dataclass
class Label:
    """A wrapped label block (top-left corner, size, lines), or a numbered badge standing for it."""

    lines: tuple[str, ...]
    x: float
    y: float
    w: float
    h: float
    badge: int | None = None

    @property
    def rect(self) -> Rect:
        return (self.x, self.y, self.x + self.w, self.y + self.h)


@dataclass
class Route:
    """One arrow: a polyline from its source box to its destination box."""

    source: str
    dest: str
    labels: list[str]
    triggers: list[str]
    points: list[Point] = field(default_factory=list)
    label: Label | None = None


@dataclass
class Layout:
    boxes: dict[str, Box]
    lanes: list[tuple[str, str, float, float]]  # key, label, top y, height
    width: float
    height: float
    routes: list[Route] = field(default_factory=list)
    notes: list[tuple[str, Label]] = field(default_factory=list)  # (kind, block): stub and gateway notes
    legend: list[tuple[int, tuple[str, ...], float, float]] = field(default_factory=list)  # badge, lines, x, y


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` characters, breaking at spaces; a longer word is split, never cut."""
    out: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:
            if current:
                out.append(current)
                current = ""
            out.append(word[:width])
            word = word[width:]
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        out.append(current)
    return out or [""]


def label_of(item: State | Transition | object, locale: str) -> str:
    if locale == "en" and getattr(item, "label_en", ""):
        return item.label_en  # type: ignore[union-attr]
    return getattr(item, "label", "") or getattr(item, "key", "") or getattr(item, "trigger", "")


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
            label = label_of(t, locale)
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


def lane_order(definition: Definition, locale: str = "id") -> list[tuple[str, str]]:
    lanes = [(lane.key, lane.label_en if locale == "en" and lane.label_en else lane.label)
             for lane in definition.lanes]
    known = {k for k, _ in lanes}
    for state in definition.states.values():  # a state in an undeclared lane still gets drawn
        if state.lane not in known:
            lanes.append((state.lane, state.lane))
            known.add(state.lane)
    return lanes


class _View:
    """The size grandalf's Sugiyama layout reads from every vertex."""

    def __init__(self) -> None:
        self.w, self.h, self.xy = BOX_W, BOX_H, (0.0, 0.0)


def _components(keys: list[str], links: list[tuple[str, str]]) -> list[list[str]]:
    """The connected parts of the graph, each in the file's order, in the order of their first state."""
    part = {key: key for key in keys}

    def root(key: str) -> str:
        while part[key] != key:
            part[key] = part[part[key]]
            key = part[key]
        return key

    for a, b in links:
        part[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(root(key), []).append(key)
    return list(groups.values())


def columns(definition: Definition) -> dict[str, tuple[int, float]]:
    """Each state's column (grandalf's rank) and its place inside the column (grandalf's order).

    Each connected part is handed to grandalf as a `graph_core` built from lists in the file's order:
    grandalf's own `Graph` collects a part's edges in a set, whose order (by object address) changes from
    run to run, and with it the order its crossing reduction settles on; the same definition must always
    draw the same picture."""
    depth = depths(definition)
    index = {key: i for i, key in enumerate(definition.states)}
    reading = {key: (depth[key], index[key]) for key in definition.states}
    pairs = [(s, d) for s, d, _, _ in edges(definition) if s != d and s in index and d in index]
    out: dict[str, tuple[int, float]] = {}
    others = []
    for keys in _components(list(definition.states), pairs):
        vertices = {key: Vertex(key) for key in keys}
        for vertex in vertices.values():
            vertex.view = _View()
        links = [Edge(vertices[s], vertices[d]) for s, d in pairs if s in vertices]
        component = graph_core(list(vertices.values()), links)
        if len(keys) == 1:
            placed = {keys[0]: (0, 0.0)}
        else:
            sugiyama = SugiyamaLayout(component)
            roots = [vertices[definition.initial]] if definition.initial in vertices else \
                [vertices[min(keys, key=reading.__getitem__)]]
            backwards = [e for e in links if reading[e.v[1].data] < reading[e.v[0].data]]
            sugiyama.init_all(roots=roots, inverted_edges=backwards, optimize=True)
            sugiyama.draw()
            placed = {v.data: (sugiyama.grx[v].rank, v.view.xy[0]) for v in component.sV}
        if definition.initial in vertices:
            out.update(placed)
        else:
            others.append(placed)
    # States no arrow joins to the initial state's part (reached only by a stub, or by nothing) go after
    # the latest state that leads to them, or after everything.
    last = max((c for c, _ in out.values()), default=-1)
    for placed in sorted(others, key=lambda p: min(reading[k] for k in p)):
        leading = [out[s][0] for t in definition.transitions if t.dest in placed for s in t.sources if s in out]
        offset = (max(leading) + 1) if leading else last + 1
        out.update({k: (offset + c, x) for k, (c, x) in placed.items()})
    return out


__all__ = [
    "BOX_H",
    "BOX_W",
    "CHAR_W",
    "Box",
    "Label",
    "Layout",
    "Route",
    "columns",
    "depths",
    "edges",
    "label_of",
    "lane_order",
    "stubs",
    "wrap",
]
