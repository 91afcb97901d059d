"""The SVG charts: scales by hand, geometry that stays finite and inside the picture for any
values (property tests), and what a screen reader and a person without the picture get."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.core import charts
from backoffice.core.charts import Series

NUMBER = re.compile(r'(?<![\w-])(?:x|y|x1|x2|y1|y2|width|height|cx|cy|r)="([^"]*)"')
POINTS = re.compile(r'points="([^"]*)"')
VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')

values = st.one_of(
    st.none(),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)


def _coordinates(svg: str) -> list[float]:
    found = [float(v) for v in NUMBER.findall(svg)]
    for pts in POINTS.findall(svg):
        found += [float(c) for pair in pts.split() for c in pair.split(",")]
    return found


def _inside(svg: str) -> None:
    """Every coordinate is a finite number, and drawn shapes stay in the picture (text may
    sit just outside the plot, within the margins)."""
    assert "nan" not in svg.lower() and "inf" not in svg.lower()
    width, height = (float(v) for v in VIEWBOX.search(svg).groups())  # type: ignore[union-attr]
    for c in _coordinates(svg):
        assert math.isfinite(c)
        assert -1 <= c <= max(width, height) + 1, c


# --- scales by hand ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "lo", "hi", "step"),
    [
        ([0, 7], 0, 8, 2),  # 7/4 = 1.75 -> step 2, top 8
        ([3, 12, 5], 0, 15, 5),  # 12/4 = 3 -> step 5
        ([-3, 7], -5, 7.5, 2.5),  # span 10 -> 2.5
        ([], 0, 1, 1),  # nothing: a unit axis
        ([0, 0], 0, 1, 1),  # all zero: still a span
        ([0.2, 0.9], 0, 1, 0.25),  # fractions keep fine steps
        ([1, 2], 0, 2, 1),  # counts never get ticks of 0.5
        ([-40, -10], -40, 0, 10),  # all negative: zero stays on the axis
        ([250_000_00], 0, 300_000_00, 100_000_00),  # /4 = 6.25M -> step 10M, top 30M
        ([1e-45], 0, 1e-45, 2.5e-46),  # a tiny value still has its scale
    ],
)
def test_nice_scales_by_hand(data, lo, hi, step):
    scale = charts.nice_scale(data)
    assert (scale.lo, scale.hi, scale.step) == pytest.approx((lo, hi, step))


def test_fixed_ends_are_kept_and_fractions_clamp():
    scale = charts.nice_scale([12.5, 99], lo=0, hi=100)
    assert (scale.lo, scale.hi) == (0, 100)
    assert scale.fraction(50) == 0.5
    assert (scale.fraction(-5), scale.fraction(250)) == (0.0, 1.0)


@given(st.lists(values, max_size=30))
def test_any_values_make_a_scale_that_holds_them(data):
    scale = charts.nice_scale(data)
    assert scale.lo < scale.hi and scale.step > 0
    assert scale.lo <= 0 <= scale.hi
    for v in charts.finite(data):
        assert scale.lo <= v <= scale.hi
    assert 1 <= len(scale.ticks()) <= 12


# --- geometry for any series -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(values, min_size=1, max_size=24))
def test_bars_are_finite_and_inside_for_any_values(data):
    labels = [f"row {i}" for i in range(len(data))]
    _inside(str(charts.bar_chart(title="t", labels=labels, values=data)) + _empty_box())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(values, values), min_size=1, max_size=24), st.booleans())
def test_columns_are_finite_and_inside_for_any_values(pairs, stacked):
    labels = [str(i) for i in range(len(pairs))]
    series = [Series("a", [p[0] for p in pairs]), Series("b", [p[1] for p in pairs])]
    svg = str(charts.column_chart(title="t", labels=labels, series=series, stacked=stacked))
    _inside(svg + _empty_box())


@settings(max_examples=60, deadline=None)
@given(st.lists(values, min_size=1, max_size=40), st.booleans())
def test_lines_are_finite_and_inside_for_any_values(data, area):
    labels = [str(i) for i in range(len(data))]
    svg = str(charts.line_chart(title="t", labels=labels, series=[Series("s", data)], area=area))
    _inside(svg + _empty_box())


@given(values, st.floats(min_value=-10, max_value=1e6, allow_nan=False))
def test_donuts_are_finite_for_any_share(value, total):
    _inside(str(charts.donut(title="t", value=value, total=total)) + _empty_box())


def _empty_box() -> str:
    """A viewBox for `_inside` when the chart drew nothing (an empty chart has no svg)."""
    return '<svg viewBox="0 0 1 1"></svg>'


# --- shapes by hand ----------------------------------------------------------------------------


def _rects(svg: str) -> list[dict[str, float]]:
    return [
        {k: float(v) for k, v in re.findall(r'(x|y|width|height)="([^"]*)"', m)}
        for m in re.findall(r"<rect ([^>]*)>", svg)
    ]


def test_a_bar_twice_as_long_for_twice_the_value():
    svg = str(charts.bar_chart(title="t", labels=["a", "b"], values=[4, 8]))
    a, b = _rects(svg)
    assert b["width"] == pytest.approx(2 * a["width"], abs=0.1)
    assert a["x"] == b["x"]  # both from the zero line


def test_a_negative_bar_goes_left_of_the_zero_line():
    svg = str(charts.bar_chart(title="t", labels=["up", "down"], values=[10, -10]))
    up, down = _rects(svg)
    assert down["x"] + down["width"] == pytest.approx(up["x"], abs=0.1)
    assert down["width"] == pytest.approx(up["width"], abs=0.1)


def test_stacked_columns_sit_on_each_other():
    series = [Series("a", [2]), Series("b", [3])]
    a, b = _rects(str(charts.column_chart(title="t", labels=["x"], series=series)))
    assert b["y"] + b["height"] == pytest.approx(a["y"], abs=0.1)  # b starts where a ends
    assert b["height"] == pytest.approx(1.5 * a["height"], abs=0.1)


def test_a_missing_value_breaks_the_line():
    svg = str(
        charts.line_chart(title="t", labels=list("abcde"), series=[Series("s", [1, 2, None, 4, 5])])
    )
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 4


def test_donut_fills_its_share_of_the_ring():
    svg = str(charts.donut(title="t", value=25))
    dash = re.search(r'stroke-dasharray="([\d.]+) ([\d.]+)"', svg)
    assert dash is not None
    filled, whole = (float(v) for v in dash.groups())
    assert filled / whole == pytest.approx(0.25, abs=0.002)
    assert "25 %" in svg


# --- in words ------------------------------------------------------------------------------------


def test_a_chart_is_an_image_named_and_described_with_its_figures_in_a_table():
    svg = str(
        charts.bar_chart(title="Items by state", labels=["Queued", "Done"], values=[7, 1_234])
    )
    assert 'role="img"' in svg
    ident = re.search(r'aria-labelledby="(\S+)-t \1-d"', svg)
    assert ident is not None
    assert f'<title id="{ident.group(1)}-t">Items by state</title>' in svg
    assert "Items by state: Queued 7, Done 1,234." in svg  # the <desc>
    assert '<th scope="row">Done</th><td class="num">1,234</td>' in svg


def test_text_is_escaped():
    svg = str(charts.bar_chart(title="<b>t</b>", labels=["<script>"], values=[1]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg


def test_empty_series_say_so_instead_of_drawing():
    for chart in (
        charts.bar_chart(title="Nothing", labels=[], values=[]),
        charts.bar_chart(title="Nothing", labels=["a"], values=[None]),
        charts.column_chart(title="Nothing", labels=["a"], series=[Series("s", [math.nan])]),
        charts.line_chart(title="Nothing", labels=[], series=[]),
        charts.donut(title="Nothing", value=None),
    ):
        assert "<svg" not in chart and "Nothing" in chart and "chart-empty" in chart


def test_money_formatting_is_the_callers():
    svg = str(
        charts.bar_chart(
            title="Owed", labels=["Acme"], values=[123456], fmt=lambda v: f"${v / 100:,.2f}"
        )
    )
    assert "$1,234.56" in svg


def test_crowded_time_labels_are_thinned_but_the_latest_is_named():
    labels = [f"d{i}" for i in range(30)]
    svg = str(charts.line_chart(title="t", labels=labels, series=[Series("s", list(range(30)))]))
    shown = re.findall(r'text-anchor="middle" fill="#5f6b7a">(d\d+)</text>', svg)
    assert shown[-1] == "d29" and 3 <= len(shown) < 30
