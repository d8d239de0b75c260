"""The workflow drawn from its own definition, as inline SVG (no JavaScript, no CDN).

Positions are the only hand-made part; every arrow comes from the moves that
``states.nomination.path_of`` derives from the machine for this nomination's review chain,
so the picture cannot drift from the machine. The review levels sit in one box, and the ways
out of review (return, reject, withdraw) leave from that box once instead of from every level;
the ways back down the chain (a return to a lower level, a recall) are dashed arcs under the levels.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from states.nomination import IN_REVIEW, STATE_LABELS

BOX_W, BOX_H = 112, 40
COLUMN = 138
LEFT = 10
TOP, BOTTOM = 50, 170
POSITIONS = {
    "draft": (0, TOP),
    "branch_review": (1, TOP),
    "township_review": (2, TOP),
    "county_review": (3, TOP),
    "public_notice": (4, TOP),
    "approved": (5, TOP),
    "certified": (6, TOP),
    "withdrawn": (0, BOTTOM),
    "returned": (1.5, BOTTOM),
    "rejected": (3, BOTTOM),
    "revoked": (5.5, BOTTOM),
}
WAYS_OUT_OF_REVIEW = ("returned", "rejected", "withdrawn")
GROUP_PAD = 10
BACK_ROOM = 18  # under the levels, for the arcs back down the chain


def _box(state: str) -> tuple[float, float, float, float]:
    """left, top, centre x, centre y"""
    column, y = POSITIONS[state]
    x = LEFT + column * COLUMN
    return x, y, x + BOX_W / 2, y + BOX_H / 2


def _group_bounds(reviews: list[str], back: bool = False) -> tuple[float, float, float, float]:
    lefts = [_box(state)[0] for state in reviews]
    bottom = TOP + BOX_H + GROUP_PAD + (BACK_ROOM if back else 0)
    return (min(lefts) - GROUP_PAD, TOP - 22, max(lefts) + BOX_W + GROUP_PAD, bottom)


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}"


def _edge(source: str, dest: str) -> str:
    sx, sy, scx, scy = _box(source)
    dx, dy, dcx, dcy = _box(dest)
    if sy == dy:  # along a row
        if abs(sx - dx) <= 1.6 * COLUMN:
            start, end = (sx + BOX_W, dx) if dx > sx else (sx, dx + BOX_W)
            return _line(start, scy, end, dcy)
        lift = 16 + 8 * abs(dcx - scx) / COLUMN  # a skipped level: an arc above the row
        return f"M{scx:.0f},{sy:.0f} Q{(scx + dcx) / 2:.0f},{sy - lift:.0f} {dcx:.0f},{dy:.0f}"
    if sy < dy:  # down to a way out
        return _line(scx, sy + BOX_H, dcx, dy)
    # back up: resubmission after a return, offset so it does not sit on the way down
    return f"M{scx - 18:.0f},{sy:.0f} L{dcx:.0f},{dy + BOX_H:.0f}"


def _back_down(source: str, dest: str) -> str:
    """From a level down to a lower one: an arc under the row, deeper the more levels it goes back."""
    _sx, sy, scx, _scy = _box(source)
    _dx, _dy, dcx, _dcy = _box(dest)
    span = abs(scx - dcx) / COLUMN
    bottom = sy + BOX_H
    dip = 6 + 6 * span  # the curve's deepest point is half its control point's depth
    return (f"M{scx - 8 * span:.0f},{bottom:.0f} Q{(scx + dcx) / 2:.0f},{bottom + 2 * dip:.0f} "
            f"{dcx + 8 * span:.0f},{bottom:.0f}")


def _out_of_review(dest: str, reviews: list[str], back: bool) -> str:
    left, _top, right, bottom = _group_bounds(reviews, back)
    _dx, dy, dcx, _dcy = _box(dest)
    x = min(max(dcx + (18 if dest == "returned" else 0), left + 24), right - 24)
    return _line(x, bottom, dcx + (18 if dest == "returned" else 0), dy)


def workflow_svg(current: str, states: set[str], moves: set[tuple[str, str]]) -> Markup:
    """The workflow of one nomination: ``current`` highlighted, states off its path faded."""
    reviews = [state for state in IN_REVIEW if state in states]
    back = {(s, d) for s, d in moves if s in reviews and d in reviews and reviews.index(d) < reviews.index(s)}
    paths = []
    drawn_out = set()
    for source, dest in sorted(moves):
        if (source, dest) in back:
            paths.append(("edge back", _back_down(source, dest)))
        elif source in IN_REVIEW and dest in WAYS_OUT_OF_REVIEW:
            if dest not in drawn_out:
                drawn_out.add(dest)
                paths.append(("edge", _out_of_review(dest, reviews, bool(back))))
        else:
            paths.append(("edge", _edge(source, dest)))
    edges = "".join(f'<path class="{css}" d="{d}" marker-end="url(#arrow)"/>' for css, d in paths)

    left, top, right, bottom = _group_bounds(reviews, bool(back))
    group_label = escape(str(_l("Under review")))
    group = (f'<g class="review-group"><rect x="{left:.0f}" y="{top:.0f}" width="{right - left:.0f}" '
             f'height="{bottom - top:.0f}" rx="10"/><text x="{left + 8:.0f}" y="{top + 14:.0f}">'
             f'{group_label}</text></g>')
    boxes = []
    for state in POSITIONS:
        x, y, cx, cy = _box(state)
        css = ["state"]
        if state == current:
            css.append("current")
        if state not in states:
            css.append("faded")
        boxes.append(
            f'<g class="{" ".join(css)}" data-state="{state}"><rect x="{x:.0f}" y="{y}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="8"/><text x="{cx:.0f}" y="{cy + 4:.0f}" text-anchor="middle">'
            f'{escape(str(STATE_LABELS[state]))}</text></g>'
        )
    width = LEFT + 6 * COLUMN + BOX_W + 10
    name = _l("Workflow diagram; current state: %(state)s", state=STATE_LABELS[current])
    return Markup(
        f'<svg class="workflow-diagram" viewBox="0 0 {width} {BOTTOM + BOX_H + 10}" role="img" '
        f'aria-label="{escape(str(name))}" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>'
        + group + edges + "".join(boxes) + "</svg>"
    )
