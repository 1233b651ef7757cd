"""Charts as inline SVG, drawn on the server: no script, no font or file from elsewhere, so a
page with charts works offline and prints as it shows.

Pure: lists of (label, value) in, markup out (a SafeString); every label is escaped here.
Each chart has a `viewBox` and `width:100%`, so it scales to its box (a phone's width or a
desktop column); its text follows the page's colour (`currentColor`, light and dark themes).
A chart says what it shows twice: its `<title>` (tooltips, and the accessible name with
`role="img"`), and its numbers, printed on the bars and points. A value of None (a step or
week with nothing sent: no rate) is drawn as no bar, or a gap in the line, and said so.
An empty chart (no value at all) is a sentence instead.
"""

from collections.abc import Callable, Sequence
from itertools import count

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

Value = float | None
Points = Sequence[tuple[str, Value]]

# The viewBox's width; the SVG itself is as wide as its box: on a 390 px phone about 350 px,
# so text of FONT units reads at ~13 px there (SMALL, the axes' ticks, at ~11 px).
WIDTH = 400
FONT = 15
SMALL = 13
BAR_COLOUR = "#2f7fc1"
LINE_COLOUR = "#2f7fc1"
NO_DATA = "no sends"

_ids = count(1)


def percent(value: float) -> str:
    """50.0 → "50%", 33.33 → "33.3%"."""
    return f"{value:.1f}".removesuffix(".0") + "%"


def empty(sentence: str) -> SafeString:
    return format_html('<p class="chart-empty">{}</p>', sentence)


def _svg(width: float, height: float, title: str, body: list[str], css_class: str) -> SafeString:
    # A title id unique on the page (two charts each name their own).
    title_id = f"chart-title-{next(_ids)}"
    return mark_safe(  # every label in `body`, and the title, escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" viewBox="0 0 {width:g} {height:g}" '
        f'width="100%" style="width:100%;height:auto;max-width:{width * 1.3:g}px" role="img" '
        f'aria-labelledby="{title_id}" font-size="{FONT}" font-family="inherit" fill="currentColor">'
        f'<title id="{title_id}">{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", css: str = "", extra: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}"{cls}{extra}>{escape(text)}</text>'


def _has_values(values: Sequence[Value]) -> bool:
    return any(v is not None for v in values)


def bar_chart(
    groups: Sequence[tuple[str, Points]],
    *,
    title: str,
    axis: str = "Reply rate",
    scale: float = 100.0,
    shown: Callable[[float], str] = percent,
    when_empty: str = "Nothing was sent in this period, so there is no rate to draw.",
) -> SafeString:
    """Horizontal bars, one per (label, value), under each group's name (a scenario's steps
    under the scenario): labels never need turning, and a phone reads them at its width.
    Values run from 0 to `scale` (100: percentages); each bar's value is printed at its end."""
    if not _has_values([v for _, bars in groups for _, v in bars]):
        return empty(when_empty)
    label_w, value_w = 64, 52
    x0 = label_w
    span = WIDTH - label_w - value_w
    row_h, head_h, top = 28, 26, 8
    body: list[str] = []
    y = top
    for group, bars in groups:
        if not bars:
            continue
        body.append(_text(0, y + head_h - 8, group, css="chart-group", extra=' font-weight="600"'))
        y += head_h
        for label, value in bars:
            body.append(_bar_row(group, label, value, x0, y, row_h, span, scale, shown))
            y += row_h
    # The scale: gridlines at every quarter, under the bars' column, labelled below.
    axis_y = y + 4
    grid = []
    for i in range(5):
        x = x0 + span * i / 4
        grid.append(
            f'<line x1="{x:.1f}" y1="{top:g}" x2="{x:.1f}" y2="{axis_y:g}" stroke="currentColor" '
            f'stroke-opacity="{0.35 if i == 0 else 0.12}"/>'
        )
        grid.append(
            _text(
                x,
                axis_y + 17,
                shown(scale * i / 4),
                anchor="middle",
                css="chart-tick",
                extra=f' opacity="0.7" font-size="{SMALL}"',
            )
        )
    grid.append(_text(x0 + span / 2, axis_y + 36, axis, anchor="middle", css="chart-axis"))
    return _svg(WIDTH, axis_y + 44, title, grid + body, "chart-bars")


def _bar_row(
    group: str, label: str, value: Value, x0: float, y: float, row_h: float, span: float, scale: float, shown
) -> str:
    """One step's row: its label, then its bar and value (or "no sends")."""
    pad, mid = 6, y + row_h / 2
    tip = f"{group}, {label}: {shown(value) if value is not None else NO_DATA}"
    parts = [_text(x0 - pad, mid + 4, label, anchor="end", css="chart-label")]
    if value is None:
        parts.append(
            f'<g class="chart-none"><title>{escape(tip)}</title>'
            + _text(x0 + pad, mid + 4, NO_DATA, extra=' opacity="0.6" font-style="italic"')
            + "</g>"
        )
        return "".join(parts)
    w = max(0.0, min(value, scale)) / scale * span
    parts.append(
        f'<g class="chart-bar"><title>{escape(tip)}</title>'
        f'<rect x="{x0:g}" y="{y + 4:g}" width="{max(w, 1.5):.1f}" height="{row_h - 8:g}" rx="2" '
        f'fill="{BAR_COLOUR}"/>' + _text(x0 + w + pad, mid + 4, shown(value), css="chart-value") + "</g>"
    )
    return "".join(parts)


def line_chart(
    points: Points,
    *,
    title: str,
    axis: str = "Reply rate",
    scale: float = 100.0,
    shown: Callable[[float], str] = percent,
    when_empty: str = "Nothing was sent in this period, so there is no trend to draw.",
    most_labels: int = 6,
) -> SafeString:
    """One line through the points, left to right (weeks), from 0 to `scale`; a point without
    a value breaks the line. Every point's value is printed when they are few enough to read;
    at most `most_labels` of the x labels are written (evenly spread, the last always)."""
    if not _has_values([v for _, v in points]):
        return empty(when_empty)
    height = 230
    left, right, top, bottom = 46, WIDTH - 26, 22, height - 48
    n = len(points)

    def x_of(i: int) -> float:
        return (left + right) / 2 if n == 1 else left + (right - left) * i / (n - 1)

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * max(0.0, min(v, scale)) / scale

    body: list[str] = []
    for i in range(5):
        y = y_of(scale * i / 4)
        body.append(
            f'<line x1="{left:g}" y1="{y:.1f}" x2="{right:g}" y2="{y:.1f}" stroke="currentColor" '
            f'stroke-opacity="{0.35 if i == 0 else 0.12}"/>'
        )
        body.append(
            _text(
                left - 6,
                y + 4,
                shown(scale * i / 4),
                anchor="end",
                css="chart-tick",
                extra=f' opacity="0.7" font-size="{SMALL}"',
            )
        )
    step = max(1, -(-n // most_labels))  # ceil
    for i, (label, _) in enumerate(points):
        # Every step-th label and the last; none crowding the last.
        if i == n - 1 or (i % step == 0 and (step == 1 or n - 1 - i >= step * 0.75)):
            body.append(
                _text(x_of(i), bottom + 17, label, anchor="middle", css="chart-label", extra=f' font-size="{SMALL}"')
            )
    body.append(_text((left + right) / 2, height - 8, axis, anchor="middle", css="chart-axis"))
    # The line, in runs of consecutive values.
    run: list[str] = []
    runs: list[list[str]] = []
    for i, (_, value) in enumerate(points):
        if value is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(f"{x_of(i):.1f},{y_of(value):.1f}")
    if run:
        runs.append(run)
    for segment in runs:
        if len(segment) > 1:
            body.append(
                f'<polyline class="chart-line" points="{" ".join(segment)}" fill="none" stroke="{LINE_COLOUR}" '
                'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>'
            )
    print_values = n <= 8
    for i, (label, value) in enumerate(points):
        tip = f"{label}: {shown(value) if value is not None else NO_DATA}"
        if value is None:
            continue
        x, y = x_of(i), y_of(value)
        dot = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{LINE_COLOUR}"/>'
        number = _text(x, y - 9, shown(value), anchor="middle", css="chart-value") if print_values else ""
        body.append(f'<g class="chart-point"><title>{escape(tip)}</title>{dot}{number}</g>')
    return _svg(WIDTH, height, title, body, "chart-lines")
