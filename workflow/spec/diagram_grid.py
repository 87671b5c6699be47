"""The swimlane grid: boxes in cells, arrows routed through the gutters, labels placed (see diagram_layout)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from workflow.spec.diagram_layout import (
    BOX_H,
    BOX_W,
    CHAR_W,
    GUTTER_H,
    GUTTER_V,
    HEADER_W,
    LABEL_CHARS,
    LANE_CHARS,
    LINE_H,
    STATE_CHARS,
    TITLE_H,
    TRACK,
    Box,
    Label,
    Layout,
    Point,
    Rect,
    Route,
    columns,
    edges,
    label_of,
    lane_order,
    stubs,
    wrap,
)
from workflow.spec.model import Definition

LEGEND_CHARS = 70


@dataclass
class _Plan:
    """An arrow before coordinates: which gutters and tracks it takes."""

    route: Route
    kind: str  # "forward", "back" or "loop"
    vtracks: dict[int, int] = field(default_factory=dict)  # vertical gutter -> track
    htrack: tuple[int, int] | None = None  # horizontal gutter, track
    exit_side: str = "R"


class _Tracks:
    def __init__(self) -> None:
        self.count: dict[int, int] = {}

    def take(self, gutter: int) -> int:
        n = self.count.get(gutter, 0)
        self.count[gutter] = n + 1
        return n

    def pos(self, gutter: int, track: int, start: float, size: float) -> float:
        n = self.count.get(gutter, 1)
        return start + size / 2 + (track - (n - 1) / 2) * TRACK


def _box_lines(text: str) -> tuple[str, ...]:
    return tuple(wrap(text, STATE_CHARS))


def _box_height(lines: tuple[str, ...]) -> float:
    return max(BOX_H, len(lines) * 15 + 18)


def _stack(gutters: list[float], cells: list[float], start: float) -> tuple[list[float], list[float], float]:
    """Where each gutter and each cell begins when they alternate from ``start`` (gutter 0, cell 0, gutter 1,
    ..., the last gutter), and where the last gutter ends: columns left to right, rows top to bottom."""
    gutter_at, cell_at, at = [], [], start
    for g, size in enumerate(gutters):
        gutter_at.append(at)
        at += size
        if g < len(cells):
            cell_at.append(at)
            at += cells[g]
    return gutter_at, cell_at, at


def layout(definition: Definition, locale: str = "id") -> Layout:
    """Boxes, arrows and labels of the whole diagram, in SVG user units."""
    column = columns(definition)
    lanes = lane_order(definition, locale)
    cells: dict[tuple[str, int], list[str]] = {}
    for key, state in definition.states.items():
        cells.setdefault((state.lane, column[key][0]), []).append(key)
    slot: dict[str, tuple[int, int]] = {}  # state -> (column, global row)
    lane_rows: list[tuple[str, int, int]] = []  # lane, first global row, row count
    first = 0
    for lane_key, _ in lanes:
        used = 1
        for (ln, col), keys in cells.items():
            if ln != lane_key:
                continue
            keys.sort(key=lambda k: column[k][1])
            used = max(used, len(keys))
            for row, key in enumerate(keys):
                slot[key] = (col, first + row)
        lane_rows.append((lane_key, first, used))
        first += used
    n_cols = max((c for c, _ in slot.values()), default=0) + 1
    n_rows = first
    texts = {key: _box_lines(label_of(state, locale)) for key, state in definition.states.items()}
    grid = {slot[k]: k for k in slot}
    plans = _plan(definition, locale, slot, grid)
    vt, ht = _Tracks(), _Tracks()
    for p in plans:
        for g in sorted(p.vtracks):
            p.vtracks[g] = vt.take(g)
        if p.htrack is not None:
            p.htrack = (p.htrack[0], ht.take(p.htrack[0]))
    # x: gutter g is left of column g (gutter n_cols is right of the last column)
    gutter_w = [GUTTER_V + vt.count.get(g, 0) * TRACK for g in range(n_cols + 1)]
    gutter_x, col_x, width = _stack(gutter_w, [BOX_W] * n_cols, HEADER_W)
    # y: gutter k is above global row k; a lane's title must fit its band
    row_h = [BOX_H] * n_rows
    for key, (_, r) in slot.items():
        row_h[r] = max(row_h[r], _box_height(texts[key]))
    gutter_h = [GUTTER_H + ht.count.get(k, 0) * TRACK for k in range(n_rows + 1)]
    lane_titles = {k: wrap(label, LANE_CHARS) for k, label in lanes}
    for lane_key, start, count in lane_rows:
        band = sum(row_h[start:start + count]) + sum(gutter_h[start + 1:start + count]) + \
            (gutter_h[start] + gutter_h[start + count]) / 2
        need = len(lane_titles[lane_key]) * 16 + 20
        if band < need:
            row_h[start + count - 1] += need - band
    gutter_y, row_y, height = _stack(gutter_h, row_h, float(TITLE_H))
    boxes = {}
    for key, (c, r) in slot.items():
        h = _box_height(texts[key])
        lane = definition.states[key].lane
        boxes[key] = Box(key, lane, c, r - next(s for ln, s, _ in lane_rows if ln == lane), col_x[c],
                         row_y[r] + (row_h[r] - h) / 2, BOX_W, h, texts[key])
    lane_bands = []
    for i, (lane_key, start, count) in enumerate(lane_rows):
        top = TITLE_H if i == 0 else gutter_y[start] + gutter_h[start] / 2
        bottom = gutter_y[start + count] + (gutter_h[start + count] if i == len(lane_rows) - 1 else
                                            gutter_h[start + count] / 2)
        lane_bands.append((lane_key, dict(lanes)[lane_key], top, bottom - top))
    out = Layout(boxes, lane_bands, width, height)
    geo = _Geometry(boxes, slot, gutter_x, gutter_w, gutter_y, gutter_h, vt, ht)
    for p in plans:
        p.route.points = geo.route(p, plans)
        out.routes.append(p.route)
    _place_labels(definition, locale, out, geo)
    return out


def _plan(definition: Definition, locale: str, slot: dict[str, tuple[int, int]],
          grid: dict[tuple[int, int], str]) -> list[_Plan]:
    plans = []
    for source, dest, labels, triggers in edges(definition, locale):
        if source not in slot or dest not in slot:
            continue
        (ca, ra), (cb, rb) = slot[source], slot[dest]
        p = _Plan(Route(source, dest, labels, triggers), "forward")
        if source == dest:
            p.kind, p.exit_side, p.htrack = "loop", "T", (ra, 0)
        elif cb > ca:
            p.vtracks[ca + 1] = 0
            straight = ra == rb and all((c, ra) not in grid for c in range(ca + 1, cb))
            if cb > ca + 1 and not straight:
                p.vtracks[cb] = 0
                p.htrack = (rb if rb > ra else (rb + 1 if rb < ra else ra + 1), 0)
        else:
            p.kind = "back"
            p.exit_side = "T" if rb < ra else "B"
            p.htrack = (ra if rb < ra else ra + 1, 0)
            p.vtracks[cb] = 0
        plans.append(p)
    return plans


class _Geometry:
    """Coordinates of gutters and tracks, and ports spread along each box side."""

    def __init__(self, boxes, slot, gutter_x, gutter_w, gutter_y, gutter_h, vt: _Tracks, ht: _Tracks):
        self.boxes, self.slot = boxes, slot
        self.gutter_x, self.gutter_w, self.gutter_y, self.gutter_h = gutter_x, gutter_w, gutter_y, gutter_h
        self.vt, self.ht = vt, ht
        self.ports: dict[tuple[str, str], list[tuple[float, int]]] | None = None

    def vx(self, gutter: int, track: int) -> float:
        """A vertical track: tracks sit in the gutter's right part, next to the boxes arrows lead into;
        the left part keeps room for labels beside the box an arrow leaves."""
        n = self.vt.count.get(gutter, 0)
        return self.gutter_x[gutter] + self.gutter_w[gutter] - 16 - (n - track) * TRACK

    def hy(self, gutter: int, track: int) -> float:
        return self.ht.pos(gutter, track, self.gutter_y[gutter], self.gutter_h[gutter])

    def _port(self, state: str, side: str, ident: int, plans: list[_Plan]) -> float:
        """The coordinate along `side` of `state`'s box where arrow `ident` meets it."""
        if self.ports is None:
            self.ports = {}
            for i, p in enumerate(plans):
                r = p.route
                if p.kind == "loop":
                    self.ports.setdefault((r.source, "T"), []).extend(
                        [(self.boxes[r.source].cx - 30, 2 * i), (self.boxes[r.source].cx + 30, 2 * i + 1)])
                    continue
                self.ports.setdefault((r.source, p.exit_side), []).append(
                    (self._toward(r.dest, p.exit_side), 2 * i))
                self.ports.setdefault((r.dest, "L"), []).append((self._toward(r.source, "L"), 2 * i + 1))
            for key in self.ports:
                self.ports[key].sort()
        box = self.boxes[state]
        entries = self.ports[(state, side)]
        n = len(entries)
        index = [e[1] for e in entries].index(ident)
        if side in ("L", "R"):
            spread = min(12.0, (box.h - 16) / max(n - 1, 1))
            return box.cy + (index - (n - 1) / 2) * spread
        spread = min(14.0, (box.w - 40) / max(n - 1, 1))
        return box.cx + (index - (n - 1) / 2) * spread

    def _toward(self, other: str, side: str) -> float:
        b = self.boxes[other]
        return b.cy if side in ("L", "R") else b.cx

    def route(self, p: _Plan, plans: list[_Plan]) -> list[Point]:
        i = plans.index(p)
        r, a, b = p.route, self.boxes[p.route.source], self.boxes[p.route.dest]
        if p.kind == "loop":
            x0, x1 = self._port(r.source, "T", 2 * i, plans), self._port(r.source, "T", 2 * i + 1, plans)
            yk = self.hy(*p.htrack)
            return [(x0, a.y), (x0, yk), (x1, yk), (x1, a.y)]
        yb = self._port(r.dest, "L", 2 * i + 1, plans)
        gb = self.slot[r.dest][0]
        if p.kind == "forward":
            ya = self._port(r.source, "R", 2 * i, plans)
            ga = self.slot[r.source][0] + 1
            x1 = self.vx(ga, p.vtracks[ga])
            if p.htrack is None:
                pts = [(a.x + a.w, ya), (x1, ya), (x1, yb), (b.x, yb)]
            else:
                yk, x2 = self.hy(*p.htrack), self.vx(gb, p.vtracks[gb])
                pts = [(a.x + a.w, ya), (x1, ya), (x1, yk), (x2, yk), (x2, yb), (b.x, yb)]
        else:
            xa = self._port(r.source, p.exit_side, 2 * i, plans)
            y0 = a.y if p.exit_side == "T" else a.y + a.h
            yk, x2 = self.hy(*p.htrack), self.vx(gb, p.vtracks[gb])
            pts = [(xa, y0), (xa, yk), (x2, yk), (x2, yb), (b.x, yb)]
        return _simplify(pts)


def _simplify(points: list[Point]) -> list[Point]:
    """Drop repeated points and points in the middle of a straight run."""
    out: list[Point] = []
    for pt in points:
        if out and abs(out[-1][0] - pt[0]) < 0.05 and abs(out[-1][1] - pt[1]) < 0.05:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (abs(x0 - x1) < 0.05 and abs(x1 - pt[0]) < 0.05) or (abs(y0 - y1) < 0.05 and abs(y1 - pt[1]) < 0.05):
                out[-1] = pt
                continue
        out.append(pt)
    return out


def _hits(r: Rect, others: list[Rect]) -> bool:
    return any(r[0] < o[2] and o[0] < r[2] and r[1] < o[3] and o[1] < r[3] for o in others)


def _block(lines: list[str]) -> tuple[float, float]:
    return max(len(line) for line in lines) * CHAR_W + 8, len(lines) * LINE_H + 4


def _candidates(points: list[Point], w: float, h: float) -> list[tuple[float, float]]:
    """Top-left corners for a w×h block beside the polyline, nearest its start first."""
    spots = []
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        for t in (0.5, 0.3, 0.7, 0.15, 0.85):
            x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            if abs(y1 - y0) < 0.05:  # horizontal: above, then below
                spots += [(x - w / 2, y - h - 2), (x - w / 2, y + 2)]
            else:  # vertical: beside it, either side
                spots += [(x + 4, y - h / 2), (x - w - 4, y - h / 2)]
    return spots


def _place_labels(definition: Definition, locale: str, out: Layout, geo: _Geometry) -> None:
    taken: list[Rect] = [(b.x - 3, b.y - 3, b.x + b.w + 3, b.y + b.h + 3) for b in out.boxes.values()]
    taken.append((0, 0, HEADER_W + 4, out.height))  # lane titles
    _notes(definition, locale, out, taken)
    pending = []
    for route in out.routes:
        lines = wrap(" / ".join(route.labels), LABEL_CHARS)
        w, h = _block(lines)
        for x, y in _candidates(route.points, w, h):
            rect = (x, y, x + w, y + h)
            if x >= HEADER_W + 4 and x + w <= out.width and y >= TITLE_H and y + h <= out.height \
                    and not _hits(rect, taken):
                taken.append(rect)
                route.label = Label(tuple(lines), x, y, w, h)
                break
        else:
            pending.append((route, lines))
    for badges, (route, lines) in enumerate(pending, start=1):
        text = str(badges)
        w, h = len(text) * CHAR_W + 10, 15.0
        spots = _candidates(route.points, w, h) + [(x - w / 2, y - h / 2) for x, y in route.points[1:-1]]
        x, y = next(((x, y) for x, y in spots if not _hits((x, y, x + w, y + h), taken)), spots[0])
        taken.append((x, y, x + w, y + h))
        route.label = Label((text,), x, y, w, h, badge=badges)
        out.legend.append((badges, tuple(wrap(f"{text}. " + " / ".join(route.labels), LEGEND_CHARS)), 0, 0))
    if out.legend:
        y = out.height + 10
        placed = []
        for n, lines, _, _ in out.legend:
            placed.append((n, lines, HEADER_W / 2, y))
            y += len(lines) * LINE_H + 4
        out.legend = placed
        out.height = y + 8
        out.width = max(out.width, HEADER_W / 2 + LEGEND_CHARS * CHAR_W + 20)


def _notes(definition: Definition, locale: str, out: Layout, taken: list[Rect]) -> None:
    """Stub notes (one transition from many states) and handoff notes, placed before the arrow labels."""
    en = locale == "en"
    for n, t in enumerate(stubs(definition)):
        if t.dest not in out.boxes:
            continue
        b = out.boxes[t.dest]
        x = b.x + b.w - 24 - 12 * n
        lines = wrap(f"{label_of(t, locale)} ({len(t.sources)}×)", LABEL_CHARS)
        w, h = _block(lines)
        spots = [(x + 4, b.y - 26 - h / 2), (x - w - 4, b.y - 26 - h / 2), (b.x, b.y + b.h + 4), (b.x + b.w + 4, b.y)]
        sx, sy = next(((sx, sy) for sx, sy in spots if not _hits((sx, sy, sx + w, sy + h), taken)), spots[0])
        taken.append((sx, sy, sx + w, sy + h))
        taken.append((x - 3, b.y - 26, x + 3, b.y))
        out.notes.append((f"stub:{t.trigger}:{x:.1f}", Label(tuple(lines), sx, sy, w, h)))
    for h_ in definition.handoffs.values():
        if h_.state not in out.boxes:
            continue
        b = out.boxes[h_.state]
        lines = wrap(f"{'parallel' if en else 'paralel'}: {label_of(h_, locale)}", LABEL_CHARS)
        w, h = _block(lines)
        spots = [(b.cx - w / 2, b.y + b.h + 3), (b.cx - w / 2, b.y - h - 3)]
        sx, sy = next(((sx, sy) for sx, sy in spots if not _hits((sx, sy, sx + w, sy + h), taken)), spots[0])
        taken.append((sx, sy, sx + w, sy + h))
        out.notes.append((f"handoff:{h_.key}", Label(tuple(lines), sx, sy, w, h)))


__all__ = ["layout"]
