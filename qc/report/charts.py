"""Charts as inline SVG, drawn by qc itself: no script, no external service, printable.

Each function takes plain numbers and labels and returns markup safe to put in a page:
every label is escaped here. Charts scale with their container (``viewBox``), so they stay
readable in a narrow window, and use solid colours and patterns that survive printing.
"""

from __future__ import annotations

from typing import Optional, Sequence

from markupsafe import Markup, escape

AGENT_COLOUR, TEAM_COLOUR, FAIL_COLOUR, PASS_COLOUR = "#2563eb", "#9ca3af", "#b3261e", "#1e7b34"
ROLE_COLOURS = {"agent": "#2563eb", "customer": "#0f9d76", "unknown": "#7c3aed"}


def _svg(width: int, height: int, body: str, label: str, cls: str = "chart", extra: str = "") -> Markup:
    return Markup(f'<svg class="{cls}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}"'
                  f' preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"{extra}>'
                  f"<title>{escape(label)}</title>{body}</svg>")


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def trend(series: Sequence[tuple[str, Sequence[tuple[str, float]]]], label: str, low: float = 0,
          high: float = 100, reference_line: Optional[float] = None) -> Markup:
    """Lines of (day, value) per series, the first in the agent colour and drawn on top, others in grey."""
    width, height, left, right, top, bottom = 640, 200, 36, 12, 10, 28
    days = sorted({day for _, points in series for day, _ in points})
    if not days:
        return Markup("")
    span = max(len(days) - 1, 1)

    def x(day: str) -> float:
        return left + (days.index(day) / span if len(days) > 1 else 0.5) * (width - left - right)

    def y(value: float) -> float:
        return top + (1 - (min(max(value, low), high) - low) / (high - low)) * (height - top - bottom)

    parts = []
    for tick in (low, (low + high) / 2, high):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#e5e7eb"/><text x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="#6b7280">{_n(tick)}</text>')
    if reference_line is not None:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(reference_line):.1f}" '
                     f'y2="{y(reference_line):.1f}" stroke="{FAIL_COLOUR}" stroke-dasharray="4 3"/>')
    anchors = {days[len(days) // 2]: "middle", days[0]: "start", days[-1]: "end"}
    if len(days) == 1:
        anchors = {days[0]: "middle"}
    for shown, anchor in anchors.items():
        parts.append(f'<text x="{x(shown):.1f}" y="{height - 8}" text-anchor="{anchor}" font-size="11" '
                     f'fill="#6b7280">{escape(shown)}</text>')
    for index, (name, points) in reversed(list(enumerate(series))):
        colour, dash = (AGENT_COLOUR, "") if index == 0 else (TEAM_COLOUR, ' stroke-dasharray="6 3"')
        coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
        if len(points) > 1:
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for day, value in points:
            parts.append(f'<circle cx="{x(day):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}">'
                         f"<title>{escape(name)} {escape(day)}: {_n(value)}</title></circle>")
    return _svg(width, height, "".join(parts), label)


def histogram(values: Sequence[float], label: str, bins: int = 10, low: float = 0, high: float = 100,
              pass_mark: Optional[float] = None) -> Markup:
    """Counts of values in equal bins from ``low`` to ``high``; bins below ``pass_mark`` in red."""
    width, height, left, bottom, top = 640, 170, 28, 24, 14
    counts = [0] * bins
    size = (high - low) / bins
    for value in values:
        counts[min(int((value - low) // size), bins - 1)] += 1
    tallest = max(counts) or 1
    bar_w = (width - left) / bins
    parts = []
    for i, count in enumerate(counts):
        start = low + i * size
        h = count / tallest * (height - top - bottom)
        colour = FAIL_COLOUR if pass_mark is not None and start + size <= pass_mark else AGENT_COLOUR
        x = left + i * bar_w
        parts.append(f'<rect x="{x + 2:.1f}" y="{height - bottom - h:.1f}" width="{bar_w - 4:.1f}" '
                     f'height="{h:.1f}" fill="{colour}"><title>{_n(start)}–{_n(start + size)}: {count}</title></rect>')
        if count:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom - h - 3:.1f}" text-anchor="middle" '
                         f'font-size="11">{count}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
                     f'fill="#6b7280">{_n(start)}</text>')
    return _svg(width, height, "".join(parts), label)


def rate_bar(rate_pct: Optional[float], reference_pct: Optional[float] = None, label: str = "") -> Markup:
    """A 0-100 % bar (red share) with a tick at the reference (e.g. the team's rate)."""
    width, height = 200, 16
    parts = [f'<rect x="0" y="3" width="{width}" height="10" fill="#eef0f3"/>']
    if rate_pct is not None:
        parts.append(f'<rect x="0" y="3" width="{rate_pct / 100 * width:.1f}" height="10" fill="{FAIL_COLOUR}"/>')
    if reference_pct is not None:
        tick = reference_pct / 100 * width
        parts.append(f'<rect x="{max(tick - 1.5, 0):.1f}" y="0" width="3" height="{height}" fill="#111827"/>')
    return _svg(width, height, "".join(parts), label, cls="bar")


def compare_bar(value: Optional[float], reference: Optional[float], scale_max: float, label: str = "") -> Markup:
    """A dot for ``value`` and a tick for ``reference`` on a 0..scale_max line."""
    width, height = 200, 16
    scale_max = scale_max or 1
    parts = [f'<line x1="0" x2="{width}" y1="8" y2="8" stroke="#d1d5db" stroke-width="2"/>']
    if reference is not None:
        tick = min(reference / scale_max, 1) * width
        parts.append(f'<rect x="{max(tick - 1.5, 0):.1f}" y="1" width="3" height="14" fill="#111827"/>')
    if value is not None:
        parts.append(f'<circle cx="{min(value / scale_max, 1) * (width - 6) + 3:.1f}" cy="8" r="5" '
                     f'fill="{AGENT_COLOUR}"/>')
    return _svg(width, height, "".join(parts), label, cls="bar")


def call_timeline(timeline: dict, role_labels: dict[str, str], label: str) -> Markup:
    """Who spoke when: one lane per role or speaker (``{"label", "role", "spans"}``, a known role shown
    by its name in ``role_labels``), silences shaded across all lanes, overtalk in red below, findings
    (``{"start_s", "end_s", "title"}``) as clickable flags.

    The SVG carries ``data-x0``, ``data-x1`` and ``data-duration`` so the page's script can turn a
    click into a time and move the playhead.
    """
    lanes, silences, overlaps, marks = timeline["lanes"], timeline["silences"], timeline["overtalk"], timeline["marks"]
    width, left, right, lane_h, top = 1000, 92, 10, 22, 18
    duration_s = max(timeline["duration_s"], 0.001)
    plot_w = width - left - right
    height = top + lane_h * len(lanes) + 34

    def x(t: float) -> float:
        return left + min(max(t, 0), duration_s) / duration_s * plot_w

    parts = []
    for start, end in silences:
        parts.append(f'<rect class="silence" x="{x(start):.1f}" y="{top}" width="{x(end) - x(start):.1f}" '
                     f'height="{lane_h * len(lanes)}" fill="url(#hatch)"><title>{_n(end - start)} s</title></rect>')
    for row, lane in enumerate(lanes):
        y = top + row * lane_h
        colour = ROLE_COLOURS.get(lane["role"], ROLE_COLOURS["unknown"])
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
                     f"{escape(role_labels.get(lane['role'], lane['label']))}</text>")
        parts.extend(f'<rect x="{x(a):.1f}" y="{y + 4}" width="{max(x(b) - x(a), 1):.1f}" height="{lane_h - 8}" '
                     f'fill="{colour}"/>' for a, b in lane["spans"])
    y_over = top + lane_h * len(lanes)
    parts.extend(f'<rect class="overtalk" x="{x(a):.1f}" y="{y_over + 1}" width="{max(x(b) - x(a), 2):.1f}" '
                 f'height="5" fill="{FAIL_COLOUR}"><title>{_n(b - a)} s</title></rect>' for a, b in overlaps)
    for mark in marks:
        mx = x(mark["start_s"])
        parts.append(f'<g class="mark" data-seek="" data-start="{mark["start_s"]:.3f}" data-end="{mark["end_s"]:.3f}">'
                     f'<path d="M{mx:.1f} {y_over + 8} l5 9 h-10 z" fill="{FAIL_COLOUR}"/>'
                     f"<title>{escape(mark['title'])}</title></g>")
    step = _tick_step(duration_s)
    tick = 0.0
    while tick <= duration_s + 1e-6:
        parts.append(f'<text x="{x(tick):.1f}" y="{height - 2}" text-anchor="middle" font-size="11" '
                     f'fill="#6b7280">{int(tick) // 60}:{int(tick) % 60:02d}</text>')
        tick += step
    parts.append(f'<line class="playhead" x1="{left}" x2="{left}" y1="{top - 6}" y2="{y_over + 6}" '
                 f'stroke="#111827" stroke-width="2"/>')
    defs = ('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f4f6"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#c7cbd1" stroke-width="2"/></pattern></defs>')
    extra = f' data-x0="{left}" data-x1="{width - right}" data-duration="{duration_s:.3f}" id="timeline"'
    return _svg(width, height, defs + "".join(parts), label, cls="timeline", extra=extra)


def _tick_step(duration_s: float) -> float:
    for step in (5, 10, 15, 30, 60, 120, 300, 600):
        if duration_s / step <= 10:
            return float(step)
    return 1200.0
