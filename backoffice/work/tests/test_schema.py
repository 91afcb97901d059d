"""Item schemas: the fast intake check never accepts what JSON Schema refuses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.work.catalog import TEMPLATES
from backoffice.work.schema import coerce, fast_check, field_errors, form_fields
from backoffice.work.tests.factories import SIMPLE_SCHEMA

CLAIM_SCHEMA = TEMPLATES["claim-intake"]["input_schema"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-5, max_value=5),
    st.sampled_from(["", "a", "b", "x" * 3, "2026-02-30", "2026-05-04", "AB-123456", "A-1"]),
)
records = st.dictionaries(
    st.sampled_from(
        [
            "name",
            "amount",
            "pages",
            "kind",
            "when",
            "extra",
            "policy_number",
            "claimant",
            "loss_date",
            "claimed_amount",
            "line_of_business",
        ]
    ),
    scalars,
)


@settings(max_examples=500, deadline=None)
@given(data=records)
def test_the_fast_check_never_accepts_invalid_data(data):
    for schema in (SIMPLE_SCHEMA, CLAIM_SCHEMA):
        check = fast_check(schema)
        assert check is not None
        if check(data):
            assert field_errors(schema, data) == {}


def test_nested_schemas_have_no_fast_path():
    assert fast_check(TEMPLATES["order-processing"]["input_schema"]) is None


def test_coerce_converts_text_cells_and_reports_bad_ones():
    data, errors = coerce(
        SIMPLE_SCHEMA, {"name": " A ", "amount": "2.50", "pages": "3", "when": "", "kind": "a"}
    )
    assert data == {"name": "A", "amount": 2.5, "pages": 3, "kind": "a"}
    assert errors == {}
    _, errors = coerce(SIMPLE_SCHEMA, {"amount": "two", "pages": "1.5"})
    assert set(errors) == {"amount", "pages"}


def test_form_fields_follow_the_schema():
    fields = {f.name: f for f in form_fields(SIMPLE_SCHEMA)}
    assert fields["kind"].widget == "select" and fields["kind"].choices == ("a", "b")
    assert fields["when"].widget == "date" and fields["name"].required
    assert fields["pages"].widget == "integer" and not fields["pages"].required
