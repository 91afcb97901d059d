"""The published OpenAPI document tells the truth: each operation's request and response
schemas are the classes its code uses, each under a name of its own; every operation
documents its errors; the document is valid OpenAPI 3.1; docs/api.md lists every code."""

from __future__ import annotations

import json
from typing import Any, get_args, get_origin

import pytest
from django.test import Client
from ninja import Router, Schema
from ninja.operation import Operation
from pydantic import BaseModel, create_model

from backoffice.api.openapi import BackofficeAPI, SchemaNameClash, component_name
from backoffice.site.api import api

REF = "#/components/schemas/"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), default=str))


def operations() -> list[tuple[str, Operation]]:
    """Every operation of the API with its operationId."""
    found = []
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                found.append((op.operation_id or api.get_openapi_operation_id(op), op))
    return found


def by_operation_id(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    }


def model_of(annotation: Any) -> type[BaseModel] | None:
    """The schema class a body or response annotation names, through `list[...]`."""
    if get_origin(annotation) is list:
        annotation = get_args(annotation)[0]
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def ref_of(schema: dict[str, Any]) -> str | None:
    if "items" in schema:
        schema = schema["items"]
    ref = schema.get("$ref")
    return ref.removeprefix(REF) if ref else None


def shape(model: type[BaseModel], mode: str) -> tuple[set[str], set[str]]:
    """Property and required names of `model` as django-ninja documents it in `mode`."""
    schema = model.model_json_schema(by_alias=mode == "validation", mode=mode)  # type: ignore[arg-type]
    if "$ref" in schema:  # a recursive model: its own definition
        schema = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return set(schema.get("properties", {})), set(schema.get("required", []))


def assert_component_is(
    document: dict[str, Any], name: str | None, model: type[BaseModel], mode: str
) -> None:
    assert name is not None, model
    component = document["components"]["schemas"][name]
    documented = set(component.get("properties", {})), set(component.get("required", []))
    assert documented == shape(model, mode), (
        f"component {name} is not {model.__module__}.{model.__qualname__}"
    )


def test_each_operation_documents_the_classes_its_code_uses(document):
    # given: every operation of the API and its entry in the published document
    documented = by_operation_id(document)
    checked = 0
    for op_id, op in operations():
        method, path, entry = documented[op_id]
        # then: the request body is the component of the body class, with its fields
        for params in op.models:
            if params.__ninja_param_source__ != "body":
                continue
            (field,) = params.model_fields.values()
            model = model_of(field.annotation)
            assert model is not None, (method, path)
            schema = entry["requestBody"]["content"]["application/json"]["schema"]
            assert ref_of(schema) == component_name(model), (method, path)
            assert_component_is(document, component_name(model), model, "validation")
            checked += 1
        # and: each response is the component of the response class
        for status, response in op.response_models.items():
            model = model_of(response.__annotations__["response"]) if response else None
            if model is None:
                continue
            schema = entry["responses"][str(status)]["content"]["application/json"]["schema"]
            assert ref_of(schema) == component_name(model), (method, path, status)
            assert_component_is(document, component_name(model), model, "serialization")
            checked += 1
    assert checked > 140


def test_the_ledger_entry_is_documented_with_ledger_lines_not_commerce_ones(document):
    from backoffice.commerce.api import schemas as commerce
    from backoffice.ledger import api as ledger

    post = document["paths"]["/api/v1/ledger/entries"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": f"{REF}LedgerEntryIn"}
    lines = document["components"]["schemas"]["LedgerEntryIn"]["properties"]["lines"]
    assert lines["items"] == {"$ref": f"{REF}LedgerLineIn"}
    assert_component_is(document, "LedgerLineIn", ledger.LineIn, "validation")
    assert_component_is(document, "CommerceLineIn", commerce.LineIn, "validation")
    bulk = document["paths"]["/api/v1/ledger/entries/bulk"]["post"]["requestBody"]
    assert bulk["content"]["application/json"]["schema"] == {"$ref": f"{REF}LedgerBulkIn"}


APP_PREFIXES = (
    *("Ledger", "Commerce", "Work", "Tenancy", "Audit", "Billing", "Conversations"),
    *("Notifications", "Delivery", "Identity", "Portal", "Vault", "Workforce"),
    *("Privacy", "Reports"),
)


def test_component_names_are_namespaced_by_app(document):
    names = set(document["components"]["schemas"])
    # every app's schema name starts with the app; only the API's plumbing is bare
    bare = {n for n in names if not n.startswith(APP_PREFIXES)}
    assert bare == {"Error", "ErrorDetail", "ErrorRow", "PageInput"}
    assert {"LedgerLineIn", "CommerceLineIn", "WorkBulkIn", "LedgerBulkIn"} <= names
    assert {"LedgerPeriodOut", "CommercePeriodOut", "LedgerPagedAccountOut"} <= names


def _api_with(*models: type[BaseModel]) -> BackofficeAPI:
    test_api = BackofficeAPI(urls_namespace=f"clash-{id(models)}")
    router = Router()
    for i, model in enumerate(models):

        def view(request, payload) -> None:  # type: ignore[no-untyped-def]
            return None

        view.__name__ = f"view_{i}"
        view.__annotations__ = {"payload": model, "return": None}
        router.post(f"/p{i}", response={204: None})(view)
    test_api.add_router("/", router)
    return test_api


def test_two_classes_under_one_name_fail_the_document():
    # given: two modules of one app, each with a `LineIn`
    one = create_model("LineIn", __base__=Schema, __module__="backoffice.ledger.x", a=(int, ...))
    two = create_model("LineIn", __base__=Schema, __module__="backoffice.ledger.y", b=(str, ...))
    holder_one = create_model(
        "HoldOne", __base__=Schema, __module__="backoffice.ledger.x", line=(one, ...), n=(int, 0)
    )
    holder_two = create_model(
        "HoldTwo", __base__=Schema, __module__="backoffice.ledger.y", line=(two, ...), n=(int, 0)
    )
    # when the document is built, then it refuses to keep one of them silently
    with pytest.raises(SchemaNameClash, match="LedgerLineIn"):
        _api_with(holder_one, holder_two).get_openapi_schema(path_prefix="/")


def test_same_names_in_two_apps_are_two_components():
    one = create_model("LineIn", __base__=Schema, __module__="backoffice.ledger.x", a=(int, ...))
    two = create_model("LineIn", __base__=Schema, __module__="backoffice.commerce.y", b=(str, ...))
    holder_one = create_model(
        "HoldOne", __base__=Schema, __module__="backoffice.ledger.x", line=(one, ...), n=(int, 0)
    )
    holder_two = create_model(
        "HoldTwo", __base__=Schema, __module__="backoffice.commerce.y", line=(two, ...), n=(int, 0)
    )
    schemas = _api_with(holder_one, holder_two).get_openapi_schema(path_prefix="/")
    components = schemas["components"]["schemas"]
    assert set(components["LedgerLineIn"]["properties"]) == {"a"}
    assert set(components["CommerceLineIn"]["properties"]) == {"b"}


def test_every_operation_documents_its_errors_with_the_error_body(document):
    error = {"$ref": f"{REF}Error"}
    for method, path, op in by_operation_id(document).values():
        codes = set(op["responses"])
        assert {"400", "401", "403", "404", "422"} <= codes, (method, path)
        if method != "GET":
            assert "409" in codes, (method, path)
        for status in codes - {"200", "201", "202", "204"}:
            assert op["responses"][status]["content"]["application/json"]["schema"] == error
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "fields"}


def test_idempotent_creates_document_the_idempotency_key(document):
    ops = by_operation_id(document).values()
    with_key = {
        (method, path)
        for method, path, op in ops
        if any(p["name"] == "Idempotency-Key" for p in op["parameters"])
    }
    # the endpoints that go through run_idempotent, directly or through a helper
    assert {
        ("POST", "/api/v1/tokens"),
        ("POST", "/api/v1/ledger/entries"),
        ("POST", "/api/v1/ledger/entries/bulk"),
        ("POST", "/api/v1/work/engagements"),
        ("POST", "/api/v1/commerce/documents"),
        ("POST", "/api/v1/commerce/payments"),
    } <= with_key
    # and not those that do not
    assert ("POST", "/api/v1/ledger/fiscal-years") not in with_key
    assert ("POST", "/api/v1/work/items/{item_id}/transition") not in with_key
    assert all(method != "GET" for method, _ in with_key)


def test_the_document_is_valid_openapi_3_1(db):
    from openapi_spec_validator import validate

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_docs_api_md_lists_every_error_code_generated_from_the_code():
    from backoffice.site import error_catalog

    text = error_catalog.DOC.read_text(encoding="utf-8")
    assert error_catalog.updated(text) == text, (
        "docs/api.md's error code table is out of date: run "
        f"`{error_catalog.REGENERATE}` and commit docs/api.md"
    )


def test_the_catalog_names_every_code_with_its_status():
    from backoffice.ledger.error_codes import ErrorCode as LedgerCode
    from backoffice.site.error_catalog import catalog

    codes = {c.code: c for c in catalog()}
    assert codes["invalid_entries"].statuses == {400}
    assert codes["already_reversed"].statuses == {409}
    assert codes["invalid"].statuses == {400}
    assert codes["validation_error"].statuses == {422}
    assert codes["idempotency_key_reused"].sources == ["api", "ledger"]
    assert {c.value for c in LedgerCode} <= set(codes)


def error_validator(document: dict[str, Any]):
    """A JSON Schema validator for the document's `Error` component."""
    import jsonschema

    components = json.loads(json.dumps(document["components"]["schemas"]).replace(REF, "#/$defs/"))
    return jsonschema.Draft202012Validator({**components["Error"], "$defs": components})


@pytest.mark.django_db
def test_a_refused_intake_batch_answers_the_documented_error_body(
    document, provider, provider_admin, client_a
):
    # found by the long fuzz: the batch's row reports were documented as plain strings
    from backoffice.tenancy.tests.factories import make_token
    from backoffice.work.tests.factories import make_engagement, make_service_type

    engagement = make_engagement(client_a, make_service_type(provider), code="batch")
    api_client = Client(headers={"Authorization": f"Bearer {make_token(provider_admin, client_a)}"})
    response = api_client.post(
        f"/api/v1/work/engagements/{engagement.pk}/items/bulk",
        data={"items": [{"external_ref": "r1", "data": {"unknown": 1}}]},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"]["code"] == "intake_rejected"
    assert set(body["error"]["fields"]["rows"][0]) == {"row", "field", "message"}
    error_validator(document).validate(body)
