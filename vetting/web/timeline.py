"""Geometry of the BAA timeline (next 12 months) as plain numbers for an inline SVG.

Pure: dates in, coordinates out. The template draws it, so the chart needs no script and no
chart library, and it prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

from vetting.queries.baa_timeline import MAX_ROWS, Lane

LABEL_W = 210  # room for the vendor name at the left
PLOT_W = 760
ROW_H = 26
TOP = 28  # month labels


@dataclass
class Drawn:
    width: int
    height: int
    label_w: int
    months: list[tuple[float, str]] = field(default_factory=list)
    today_x: float = 0.0
    lanes: list[dict[str, object]] = field(default_factory=list)
    hidden: int = 0


def draw(lanes: list[Lane], total: int, start: date, months: int = 12) -> Drawn:
    """Lay out `lanes` (the first of `total`) over [start, start + months)."""
    stop = start + relativedelta(months=months)
    span = (stop - start).days

    def x(d: date) -> float:
        clamped = min(max(d, start), stop)
        return round(LABEL_W + PLOT_W * (clamped - start).days / span, 1)

    shown = lanes[:MAX_ROWS]
    out = Drawn(
        width=LABEL_W + PLOT_W + 10,
        height=TOP + ROW_H * max(len(shown), 1) + 6,
        label_w=LABEL_W,
        today_x=x(start),
        hidden=total - len(shown),
    )
    first = date(start.year, start.month, 1)
    for i in range(months + 1):
        m = first + relativedelta(months=i)
        if start <= m < stop:
            out.months.append(
                (x(m), m.strftime("%b %Y") if m.month == 1 or not out.months else m.strftime("%b"))
            )
    for i, lane in enumerate(shown):
        y = TOP + i * ROW_H
        bar_start = x(lane.start)
        bar_end = x(lane.end) if lane.end is not None else x(stop)
        out.lanes.append(
            {
                "label": lane.label,
                "baa_id": lane.baa_id,
                "state": lane.state,
                "y": y,
                "mid": y + ROW_H / 2,
                "bar_x": bar_start,
                "bar_w": max(bar_end - bar_start, 2),
                "open_end": lane.end is None or lane.end >= stop,
                "markers": [
                    {"x": x(m.day), "kind": m.kind, "text": f"{m.day.isoformat()}: {m.text}"}
                    for m in lane.markers
                    if start <= m.day < stop
                ],
            }
        )
    return out
