"""Pricing: worked examples, then properties over generated rate cards."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.billing.pricing import (
    ChargeSpec,
    Tier,
    check_tiers,
    price_segment,
    prorate,
    sla_credits,
    true_up,
)

D = Decimal
LADDER = (
    Tier(D(0), D(1000), 50),
    Tier(D(1000), D(5000), 40),
    Tier(D(5000), None, 30),
)


def test_graduated_worked_example():
    # 6,200 units: 1,000 x 50 + 4,000 x 40 + 1,200 x 30 = 50,000 + 160,000 + 36,000
    p = price_segment(ChargeSpec("graduated", tiers=LADDER), offset=D(0), units=D(6200))
    assert p.amount == 246_000
    assert [t.units for t in p.tiers] == [D(1000), D(4000), D(1200)]


def test_graduated_split_at_a_rate_change_continues_the_ladder():
    # 600 units at the old card, then 700 at a new card whose tier 1 is 45, tier 2 is 35:
    # old: 600 x 50 = 30,000; new: positions 600..1300 → 400 x 45 + 300 x 35 = 28,500.
    new = (Tier(D(0), D(1000), 45), Tier(D(1000), D(5000), 35), Tier(D(5000), None, 25))
    a = price_segment(ChargeSpec("graduated", tiers=LADDER), offset=D(0), units=D(600))
    b = price_segment(ChargeSpec("graduated", tiers=new), offset=D(600), units=D(700))
    assert (a.amount, b.amount) == (30_000, 28_500)


def test_volume_prices_every_unit_at_the_tier_of_the_total():
    # 1,200 units fall in tier 2: all at 40 = 48,000
    p = price_segment(ChargeSpec("volume", tiers=LADDER), offset=D(0), units=D(1200))
    assert p.amount == 48_000


def test_package_bills_a_started_package_in_full_and_free_units_come_first():
    # 100 free, then 1,050 billable in packages of 500 at 9,000: 3 packages = 27,000
    spec = ChargeSpec("package", unit_rate=9000, free_units=D(100), package_size=D(500))
    p = price_segment(spec, offset=D(0), units=D(1150))
    assert (p.billable, p.packages, p.amount) == (D(1050), 3, 27_000)


def test_per_unit_per_thousand_rounds_half_up_once():
    # 12,345 characters at 25 per 1,000 = 308.625 → 309
    p = price_segment(
        ChargeSpec("per_unit", unit_rate=25, per_units=1000), offset=D(0), units=D(12345)
    )
    assert (p.exact, p.amount) == (D("308.625"), 309)


def test_true_up_prorate_and_credits():
    assert true_up(500_000, 430_000) == 70_000
    assert true_up(500_000, 530_000) == 0
    assert prorate(300_000, 15, 30) == 150_000
    # fee 1,000,000; 10 % at risk; allocations 60 % and 50 % → 60,000 and 50,000, but the
    # pool is 8 % = 80,000: the second is cut to 20,000
    credits = sla_credits(
        fee=1_000_000,
        at_risk_percent=D(10),
        pool_cap_percent=D(8),
        missed=[("a", D(60)), ("b", D(50))],
    )
    assert [c.amount for c in credits] == [60_000, 20_000]


def test_check_tiers_names_gaps_overlaps_and_negative_prices():
    assert check_tiers(LADDER) == []
    gap = (Tier(D(0), D(10), 5), Tier(D(11), None, 4))
    overlap = (Tier(D(0), D(10), 5), Tier(D(9), None, 4))
    negative = (Tier(D(0), None, -1),)
    assert "gap" in check_tiers(gap)[0]
    assert "overlap" in check_tiers(overlap)[0]
    assert "negative" in check_tiers(negative)[0]
    assert check_tiers((Tier(D(0), D(10), 5),)) == ["the last tier must be open-ended"]


# --- properties ---------------------------------------------------------------------------


@st.composite
def ladders(draw) -> tuple[Tier, ...]:
    bounds = sorted(set(draw(st.lists(st.integers(1, 5000), max_size=4))))
    starts = [0, *bounds]
    ends: list[int | None] = [*bounds, None]
    return tuple(
        Tier(D(a), None if b is None else D(b), draw(st.integers(0, 500)), draw(st.integers(0, 9)))
        for a, b in zip(starts, ends, strict=True)
    )


@st.composite
def specs(draw) -> ChargeSpec:
    model = draw(st.sampled_from(["per_unit", "graduated", "volume", "package"]))
    free = D(draw(st.integers(0, 300)))
    if model == "package":
        return ChargeSpec(
            model, unit_rate=draw(st.integers(0, 5000)), free_units=free,
            package_size=D(draw(st.integers(1, 700))),
        )  # fmt: skip
    tiers = draw(ladders()) if model in ("graduated", "volume") else ()
    per = draw(st.sampled_from([1, 1, 10, 1000]))
    return ChargeSpec(model, draw(st.integers(0, 900)), per, free, None, tiers)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(), st.lists(st.integers(0, 3000), min_size=1, max_size=6))
def test_segments_add_up_to_the_whole(spec, cuts):
    """Units priced in consecutive segments at one rate card cost, before rounding, what
    they cost in one segment; never negative."""
    total = D(sum(cuts))
    whole = price_segment(spec, offset=D(0), units=total)
    offset, exact, billable = D(0), D(0), D(0)
    for n in cuts:
        part = price_segment(spec, offset=offset, units=D(n), period_units=total)
        assert part.amount >= 0
        exact += part.exact
        billable += part.billable
        offset += n
    assert exact == whole.exact
    assert billable == whole.billable == max(D(0), total - spec.free_units)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(), st.integers(0, 5000), st.integers(0, 5000))
def test_more_units_never_cost_less_except_volume(spec, a, b):
    lo, hi = sorted((a, b))
    small = price_segment(spec, offset=D(0), units=D(lo))
    big = price_segment(spec, offset=D(0), units=D(hi))
    if spec.model != "volume":
        assert big.exact >= small.exact


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 10**9),
    st.decimals(0, 100, places=2),
    st.decimals(0, 100, places=2),
    st.lists(st.decimals(0, 100, places=2), max_size=5),
)
def test_credits_never_exceed_the_pool(fee, risk, cap, allocations):
    credits = sla_credits(
        fee=fee, at_risk_percent=risk, pool_cap_percent=cap,
        missed=[(n, a) for n, a in enumerate(allocations)],
    )  # fmt: skip
    assert all(c.amount >= 0 for c in credits)
    assert sum(c.amount for c in credits) <= fee * cap / 100 + D("0.5")
