"""The workflow drawn from its own definition, as inline SVG (no JavaScript, no CDN).

Positions are the only hand-made part; every arrow comes from ``states.nomination.TRANSITIONS``,
so the picture cannot drift from the machine."""

from __future__ import annotations

from markupsafe import Markup, escape

from states.nomination import STATE_LABELS, TRANSITIONS

BOX_W, BOX_H = 112, 40
COLUMN = 138
TOP, BOTTOM = 60, 190
# (column, row): the main road along the top, the ways out below it.
POSITIONS = {
    "draft": (0, TOP),
    "branch_review": (1, TOP),
    "township_review": (2, TOP),
    "county_review": (3, TOP),
    "public_notice": (4, TOP),
    "approved": (5, TOP),
    "certified": (6, TOP),
    "withdrawn": (0.5, BOTTOM),
    "returned": (1.5, BOTTOM),
    "rejected": (3, BOTTOM),
    "revoked": (5.5, BOTTOM),
}


def _centre(state: str) -> tuple[float, float]:
    column, y = POSITIONS[state]
    return 10 + column * COLUMN + BOX_W / 2, y + BOX_H / 2


def _edge(source: str, dest: str) -> str:
    (x1, y1), (x2, y2) = _centre(source), _centre(dest)
    if y1 == y2:  # along the top row: adjacent boxes get a line, others an arc above
        direction = 1 if x2 > x1 else -1
        start, end = x1 + direction * BOX_W / 2, x2 - direction * BOX_W / 2
        if abs(x2 - x1) <= COLUMN + 1:
            return f"M{start:.0f},{y1:.0f} L{end:.0f},{y2:.0f}"
        lift = 18 + 10 * abs(x2 - x1) / COLUMN
        top = y1 - BOX_H / 2
        return f"M{x1:.0f},{top:.0f} Q{(x1 + x2) / 2:.0f},{top - lift:.0f} {x2:.0f},{top:.0f}"
    if y1 < y2:  # down to a way out
        return f"M{x1:.0f},{y1 + BOX_H / 2:.0f} L{x2:.0f},{y2 - BOX_H / 2:.0f}"
    # back up (resubmission): a curve that keeps clear of the downward lines
    control = f"{(x1 + x2) / 2 + 40:.0f},{(y1 + y2) / 2:.0f}"
    return f"M{x1 + 20:.0f},{y1 - BOX_H / 2:.0f} Q{control} {x2 + 14:.0f},{y2 + BOX_H / 2:.0f}"


def workflow_svg(current: str, reachable: set[str], moves: set[tuple[str, str]]) -> Markup:
    """The whole workflow; ``current`` highlighted, states and moves off this nomination's path faded."""
    edges = []
    seen = set()
    for transition in TRANSITIONS:
        for source in transition.source:
            key = (source, transition.dest)
            if key in seen:
                continue
            seen.add(key)
            on_path = key in moves
            css = "edge" if on_path else "edge faded"
            edges.append(f'<path class="{css}" d="{_edge(source, transition.dest)}" marker-end="url(#arrow)"/>')
    boxes = []
    for state, (column, y) in POSITIONS.items():
        x = 10 + column * COLUMN
        css = ["state"]
        if state == current:
            css.append("current")
        if state not in reachable:
            css.append("faded")
        label = escape(str(STATE_LABELS[state]))
        boxes.append(
            f'<g class="{" ".join(css)}" data-state="{state}"><rect x="{x:.0f}" y="{y}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="8"/><text x="{x + BOX_W / 2:.0f}" y="{y + BOX_H / 2 + 5}" '
            f'text-anchor="middle">{label}</text></g>'
        )
    width = 10 + 6 * COLUMN + BOX_W + 10
    return Markup(
        f'<svg class="workflow-diagram" viewBox="0 0 {width} {BOTTOM + BOX_H + 10}" role="img" '
        f'aria-label="{escape(str(STATE_LABELS[current]))}" xmlns="http://www.w3.org/2000/svg">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>'
        + "".join(edges) + "".join(boxes) + "</svg>"
    )
