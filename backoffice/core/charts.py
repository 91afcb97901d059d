"""Charts drawn on the server as SVG (decision 0009): pure functions from series to markup.

Every chart is a `<figure class="chart">` holding an `<svg role="img">` named by its
`<title>` and described by a `<desc>` that says in words what the picture shows, a legend when
there is more than one series, and the numbers themselves in a `<details>` table, so a screen
reader, a printout and a person who wants the figure all get it. Nothing here reads the
database or the request: callers pass labels, values and how to write a value (`fmt`).

Values may be negative, missing (None: a gap, not a zero) or all zero; non-finite floats
count as missing. Geometry never produces NaN: scales with no span get one.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Fmt = Callable[[float], str]

# Colour-blind-safe on white, each at 4.5:1 or more (text contrast, not only graphics').
PALETTE = ("#1f5fbf", "#a85d00", "#1c7c4a", "#b3261e", "#6b4fa3", "#4d5966")
# From fresh to old: green, blue, purple, orange, red.
AGE_COLORS = ("#1c7c4a", "#1f5fbf", "#6b4fa3", "#a85d00", "#b3261e")
WIDTH = 480
FONT = 12


def plain(value: float) -> str:
    """Whole numbers with thousands separators, others with up to two decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def percent(value: float) -> str:
    return f"{plain(value)} %"


@dataclass(frozen=True)
class Series:
    """One named row of values, one per label; None where there is no value."""

    name: str
    values: Sequence[float | None]
    color: str | None = None


@dataclass(frozen=True)
class Scale:
    """An axis from `lo` to `hi` (lo < hi) with ticks every `step`."""

    lo: float
    hi: float
    step: float

    def ticks(self) -> list[float]:
        count = round((self.hi - self.lo) / self.step)
        return [self.lo + i * self.step for i in range(count + 1)]

    def fraction(self, value: float) -> float:
        """Where `value` falls between lo (0.0) and hi (1.0), clamped to the axis."""
        return min(1.0, max(0.0, (value - self.lo) / (self.hi - self.lo)))


def finite(values: Iterable[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def _nice_step(raw: float) -> float:
    """The step of 1, 2, 2.5 or 5 times a power of ten at or above `raw` (> 0)."""
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw * (1 - 1e-9):
            return m * power
    return 10 * power  # pragma: no cover - the loop always returns


def nice_scale(
    values: Iterable[float | None],
    *,
    ticks: int = 4,
    lo: float | None = None,
    hi: float | None = None,
) -> Scale:
    """An axis that holds every value and zero, on round ticks; `lo`/`hi` fix an end.
    Whole-number values (counts) get whole-number ticks."""
    seen = finite(values)
    low = lo if lo is not None else min([0.0, *seen])
    high = hi if hi is not None else max([0.0, *seen])
    if high <= low:
        high = low + 1
    span = high - low
    step = _nice_step(span / ticks) if span / ticks > 1e-300 else span
    if step < 1 and all(v.is_integer() for v in [*seen, low, high]):
        step = 1.0
    if lo is None:
        rounded = math.floor(low / step + 1e-9) * step  # the tolerance absorbs float noise
        low = rounded if rounded <= low else rounded - step
    if hi is None:
        rounded = math.ceil(high / step - 1e-9) * step
        high = rounded if rounded >= high else rounded + step
    return Scale(low, high, step)


def _n(x: float) -> str:
    if not math.isfinite(x):
        raise ValueError(f"a chart coordinate is not a number: {x!r}")
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _color(series: Series, index: int) -> str:
    return series.color or PALETTE[index % len(PALETTE)]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ident(title: str, *parts: object) -> str:
    digest = hashlib.sha1(repr((title, parts)).encode(), usedforsecurity=False)
    return "chart-" + digest.hexdigest()[:10]


# --- the frame every chart shares --------------------------------------------------------------


def _figure(
    *,
    title: str,
    summary: str,
    body: str,
    height: float,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Fmt,
    width: float = WIDTH,
    kind: str = "",
) -> SafeString:
    ident = _ident(title, labels, [(s.name, tuple(s.values)) for s in series])
    svg = (
        f'<svg class="chart-svg" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" font-size="{FONT}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(summary)}</desc>'
        f"{body}</svg>"
    )
    legend = ""
    if len(series) > 1:
        items = "".join(
            f'<li><span class="chart-swatch" style="background:{_color(s, i)}"></span>'
            f"{escape(s.name)}</li>"
            for i, s in enumerate(series)
        )
        legend = f'<ul class="chart-legend">{items}</ul>'
    css = f"chart chart-{kind}" if kind else "chart"
    # Safe: every text above is escaped and every number formatted here.
    return mark_safe(
        f'<figure class="{css}" id="{ident}"><figcaption>{escape(title)}</figcaption>'
        f"{svg}{legend}{_data_table(labels, series, fmt)}</figure>"
    )


def _data_table(labels: Sequence[str], series: Sequence[Series], fmt: Fmt) -> str:
    head = "".join(f'<th scope="col" class="num">{escape(s.name)}</th>' for s in series)
    rows = []
    for i, label in enumerate(labels):
        cells = "".join(
            f'<td class="num">{_cell(s.values[i] if i < len(s.values) else None, fmt)}</td>'
            for s in series
        )
        rows.append(f'<tr><th scope="row">{escape(label)}</th>{cells}</tr>')
    return (
        '<details class="chart-data"><summary>Figures</summary><div class="table-wrap"><table>'
        f'<tr><th scope="col"></th>{head}</tr>{"".join(rows)}</table></div></details>'
    )


def _cell(value: float | None, fmt: Fmt) -> str:
    return "—" if value is None or not math.isfinite(value) else escape(fmt(value))


def empty(title: str, message: str = "Nothing to show yet.") -> SafeString:
    """The place of a chart with no values: its title and a sentence, no picture."""
    return mark_safe(
        f'<figure class="chart chart-empty"><figcaption>{escape(title)}</figcaption>'
        f'<p class="muted">{escape(message)}</p></figure>'
    )


def _describe(labels: Sequence[str], series: Series, fmt: Fmt) -> str:
    """'name: a 3, b 5' for a few labels; first, last and highest for many."""
    pairs = [(lbl, v) for lbl, v in zip(labels, series.values, strict=False) if v is not None]
    pairs = [(lbl, v) for lbl, v in pairs if math.isfinite(v)]
    if not pairs:
        return f"{series.name}: no values"
    if len(pairs) <= 8:
        return f"{series.name}: " + ", ".join(f"{lbl} {fmt(v)}" for lbl, v in pairs)
    top = max(pairs, key=lambda p: p[1])
    return (
        f"{series.name}: {fmt(pairs[0][1])} in {pairs[0][0]}, {fmt(pairs[-1][1])} in "
        f"{pairs[-1][0]}, highest {fmt(top[1])} in {top[0]}"
    )


def _summary(labels: Sequence[str], series: Sequence[Series], fmt: Fmt) -> str:
    return ". ".join(_describe(labels, s, fmt) for s in series) + "."


# --- horizontal bars ---------------------------------------------------------------------------

_ROW = 26
_LABEL_W = 200
_VALUE_W = 84


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: Fmt = plain,
    hi: float | None = None,
    color: str | None = None,
) -> SafeString:
    """One horizontal bar per label, from the zero line (negative values to its left)."""
    return stacked_bars(
        title=title, labels=labels, series=[Series(title, values, color)], fmt=fmt, hi=hi
    )


def stacked_bars(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Fmt = plain,
    hi: float | None = None,
) -> SafeString:
    """A horizontal bar per label made of each series' part, positives stacked rightwards
    from the zero line and negatives leftwards; the row's total is written at its end."""
    if not labels or not any(finite(s.values) for s in series):
        return empty(title)
    n = len(labels)
    scale = nice_scale(_stack_extent(series, n), hi=hi)
    longest = max(len(_short(label, 28)) for label in labels)
    x0, x1 = min(_LABEL_W, 16 + longest * 6.6), WIDTH - _VALUE_W
    zero = x0 + scale.fraction(0) * (x1 - x0)
    bottom = 4 + _ROW * n
    parts = [f'<line x1="{_n(zero)}" y1="4" x2="{_n(zero)}" y2="{bottom}" stroke="#8a94a3"/>']
    for i, label in enumerate(labels):
        y = 4 + i * _ROW
        parts.append(
            f'<text x="{_n(x0 - 8)}" y="{_n(y + _ROW / 2 + 4)}" text-anchor="end" fill="#1d2430">'
            f"<title>{escape(label)}</title>{escape(_short(label, 28))}</text>"
        )
        up = down = 0.0
        seen = False
        for k, s in enumerate(series):
            v = s.values[i] if i < len(s.values) else None
            if v is None or not math.isfinite(v):
                continue
            seen = True
            if v == 0:
                continue
            base = up if v >= 0 else down
            top = base + v
            up, down = (top, down) if v >= 0 else (up, top)
            a = x0 + scale.fraction(base) * (x1 - x0)
            b = x0 + scale.fraction(top) * (x1 - x0)
            name = f"{label} · {s.name}" if len(series) > 1 else label
            parts.append(
                f'<rect x="{_n(min(a, b))}" y="{_n(y + 4)}" width="{_n(max(abs(b - a), 1))}" '
                f'height="{_ROW - 8}" fill="{_color(s, k)}"><title>{escape(name)}: '
                f"{escape(fmt(v))}</title></rect>"
            )
        if seen:
            end_x = x0 + scale.fraction(up) * (x1 - x0)
            parts.append(
                f'<text x="{_n(max(end_x, zero) + 6)}" y="{_n(y + _ROW / 2 + 4)}" '
                f'fill="#1d2430">{escape(fmt(up + down))}</text>'
            )
    return _figure(
        title=title,
        summary=_summary(labels, series, fmt),
        body="".join(parts),
        height=8 + _ROW * n,
        labels=labels,
        series=series,
        fmt=fmt,
    )


# --- columns over labels (stacked or side by side) and lines ------------------------------------

_TOP, _BOTTOM, _LEFT, _RIGHT = 12, 34, 64, 12
_PLOT_H = 180


def _axis(scale: Scale, fmt: Fmt) -> tuple[str, Callable[[float], float]]:
    """Gridlines and tick labels of the value axis, and value -> y."""
    x1 = WIDTH - _RIGHT

    def y_of(value: float) -> float:
        return _TOP + (1 - scale.fraction(value)) * _PLOT_H

    parts = []
    for tick in scale.ticks():
        y = y_of(tick)
        stroke = "#8a94a3" if abs(tick) < scale.step / 1e6 else "#e3e7ec"
        parts.append(
            f'<line x1="{_LEFT}" y1="{_n(y)}" x2="{x1}" y2="{_n(y)}" stroke="{stroke}"/>'
            f'<text x="{_LEFT - 6}" y="{_n(y + 4)}" text-anchor="end" fill="#5f6b7a">'
            f"{escape(fmt(tick))}</text>"
        )
    return "".join(parts), y_of


def _x_labels(labels: Sequence[str], centers: Sequence[float]) -> str:
    """Category labels under the plot, thinned so that they never overlap."""
    every = max(1, math.ceil(len(labels) * 7 * 6.5 / (WIDTH - _LEFT - _RIGHT)))
    y = _TOP + _PLOT_H + 18
    return "".join(
        f'<text x="{_n(x)}" y="{y}" text-anchor="middle" fill="#5f6b7a">'
        f"{escape(_short(label, 10))}</text>"
        for i, (label, x) in enumerate(zip(labels, centers, strict=True))
        if (len(labels) - 1 - i) % every == 0  # counted from the last: the latest is named
    )


def _stack_extent(series: Sequence[Series], n: int) -> list[float]:
    """The highest and lowest ends of each stacked column."""
    out = []
    for i in range(n):
        vals = finite(s.values[i] if i < len(s.values) else None for s in series)
        out += [sum(v for v in vals if v > 0), sum(v for v in vals if v < 0)]
    return out


def column_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    stacked: bool = True,
    fmt: Fmt = plain,
) -> SafeString:
    """Columns per label: the series stacked (positives up, negatives down) or side by side."""
    if not labels or not any(finite(s.values) for s in series):
        return empty(title)
    n = len(labels)
    extent = _stack_extent(series, n) if stacked else [v for s in series for v in finite(s.values)]
    scale = nice_scale(extent)
    grid, y_of = _axis(scale, fmt)
    slot = (WIDTH - _LEFT - _RIGHT) / n
    width = slot * 0.7 / (1 if stacked else max(1, len(series)))
    parts, centers = [grid], []
    for i, label in enumerate(labels):
        left = _LEFT + i * slot + slot * 0.15
        centers.append(_LEFT + i * slot + slot / 2)
        up = down = 0.0
        for k, s in enumerate(series):
            v = s.values[i] if i < len(s.values) else None
            if v is None or not math.isfinite(v) or v == 0:
                continue
            if stacked:
                base = up if v > 0 else down
                top = base + v
                up, down = (top, down) if v > 0 else (up, top)
                x = left
            else:
                base, top, x = 0.0, v, left + k * width
            y_a, y_b = y_of(base), y_of(top)
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(min(y_a, y_b))}" width="{_n(width)}" '
                f'height="{_n(max(abs(y_a - y_b), 0.5))}" fill="{_color(s, k)}">'
                f"<title>{escape(label)} · {escape(s.name)}: {escape(fmt(v))}</title></rect>"
            )
    parts.append(_x_labels(labels, centers))
    return _figure(
        title=title,
        summary=_summary(labels, series, fmt),
        body="".join(parts),
        height=_TOP + _PLOT_H + _BOTTOM,
        labels=labels,
        series=series,
        fmt=fmt,
    )


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Fmt = plain,
    area: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    target: tuple[str, float] | None = None,
) -> SafeString:
    """A line per series over the labels (time, oldest first); a missing value breaks the
    line. `area` fills under a single series; `target` draws a dashed reference line."""
    if not labels or not any(finite(s.values) for s in series):
        return empty(title)
    n = len(labels)
    extra = [target[1]] if target else []
    scale = nice_scale([v for s in series for v in finite(s.values)] + extra, lo=lo, hi=hi)
    grid, y_of = _axis(scale, fmt)
    step = (WIDTH - _LEFT - _RIGHT - 24) / max(1, n - 1)
    xs = [_LEFT + 12 + i * step for i in range(n)] if n > 1 else [(WIDTH + _LEFT) / 2]
    parts = [grid]
    if target:
        y = y_of(target[1])
        parts.append(
            f'<line x1="{_LEFT}" y1="{_n(y)}" x2="{WIDTH - _RIGHT}" y2="{_n(y)}" '
            f'stroke="#1d2430" stroke-dasharray="5 4"><title>{escape(target[0])}: '
            f"{escape(fmt(target[1]))}</title></line>"
        )
    for k, s in enumerate(series):
        parts.extend(_line(s, k, xs, y_of, labels, fmt, area and len(series) == 1))
    parts.append(_x_labels(labels, xs))
    summary = _summary(labels, series, fmt)
    if target:
        summary += f" {target[0]}: {fmt(target[1])}."
    return _figure(
        title=title,
        summary=summary,
        body="".join(parts),
        height=_TOP + _PLOT_H + _BOTTOM,
        labels=labels,
        series=series,
        fmt=fmt,
    )


def _runs(values: Sequence[float | None], xs: Sequence[float]) -> list[list[tuple[float, float]]]:
    """Unbroken stretches of (x, value) between missing values."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, v in zip(xs, values, strict=False):
        if v is None or not math.isfinite(v):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x, float(v)))
    return [r for r in runs if r]


def _line(
    s: Series,
    k: int,
    xs: Sequence[float],
    y_of: Callable[[float], float],
    labels: Sequence[str],
    fmt: Fmt,
    area: bool,
) -> list[str]:
    color = _color(s, k)
    parts = []
    for run in _runs(s.values, xs):
        points = " ".join(f"{_n(x)},{_n(y_of(v))}" for x, v in run)
        if area and len(run) > 1:
            base = y_of(0)
            parts.append(
                f'<polygon points="{_n(run[0][0])},{_n(base)} {points} '
                f'{_n(run[-1][0])},{_n(base)}" fill="{color}" fill-opacity="0.15"/>'
            )
        if len(run) > 1:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5" '
                'stroke-linejoin="round"/>'
            )
    for i, (x, v) in enumerate(zip(xs, s.values, strict=False)):
        if v is not None and math.isfinite(v):
            parts.append(
                f'<circle cx="{_n(x)}" cy="{_n(y_of(v))}" r="3.5" fill="{color}">'
                f"<title>{escape(labels[i])} · {escape(s.name)}: {escape(fmt(v))}</title></circle>"
            )
    return parts


# --- a share of a whole ------------------------------------------------------------------------


def donut(
    *,
    title: str,
    value: float | None,
    total: float = 100.0,
    fmt: Fmt = percent,
    caption: str = "",
    color: str | None = None,
) -> SafeString:
    """A ring filled to `value` of `total` (a percentage by default), the figure in its middle."""
    if value is None or not math.isfinite(value) or total <= 0:
        return empty(title, caption or "No figures yet.")
    share = min(1.0, max(0.0, value / total))
    radius, cx, cy, size = 52.0, 110.0, 70.0, 140
    circumference = 2 * math.pi * radius
    filled = share * circumference
    label = fmt(value)
    body = (
        f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(radius)}" fill="none" stroke="#e3e7ec" '
        'stroke-width="16"/>'
        f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(radius)}" fill="none" '
        f'stroke="{color or PALETTE[0]}" stroke-width="16" '
        f'stroke-dasharray="{_n(filled)} {_n(circumference)}" '
        f'transform="rotate(-90 {_n(cx)} {_n(cy)})"/>'
        f'<text x="{_n(cx)}" y="{_n(cy + 7)}" text-anchor="middle" font-size="22" '
        f'font-weight="700" fill="#1d2430">{escape(label)}</text>'
    )
    if caption:
        body += (
            f'<text x="{_n(cx)}" y="{size - 2}" text-anchor="middle" fill="#5f6b7a">'
            f"{escape(caption)}</text>"
        )
    series = Series(title, [value])
    summary = f"{title}: {label}" + (f" ({caption})" if caption else "") + "."
    return _figure(
        title=title,
        summary=summary,
        body=body,
        height=size + (12 if caption else 0),
        labels=[caption or title],
        series=[series],
        fmt=fmt,
        width=220,
        kind="donut",
    )
