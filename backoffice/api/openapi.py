"""The OpenAPI document the API publishes: one name per schema, every error documented.

`BackofficeAPI` is the project's `NinjaAPI`. Its document differs from django-ninja's in
three ways, each made here once rather than endpoint by endpoint:

- Component names are namespaced by the app that defines the schema class: `LineIn` of
  `backoffice.ledger` is `LedgerLineIn`, commerce's is `CommerceLineIn`; a paged list takes
  the namespace of its items (`LedgerPagedAccountOut`); the plumbing of `backoffice.api` and
  `backoffice.core` keeps bare names (`Error`, `PageInput`). django-ninja keeps one
  component per bare class name, so two apps' `LineIn` used to share one (the last one
  generated won, and `POST /ledger/entries` was documented with commerce's lines). Two
  classes that still end up under one name, or one class whose schema differs between its
  uses, make the document fail to build (`SchemaNameClash`) instead of lying.
- Every operation lists the errors it can answer with the one error body (`Error`,
  `api/errors.py`): 400, 401, 403, 404, 422 and 429 (rate limits: token creation, file
  downloads) on every authenticated operation, 409 on every write, 413 where there is a
  request body.
- Create endpoints that go through `idempotency.run_idempotent` document the
  `Idempotency-Key` header.

A field whose value is a schema class shows no default object (see `default_schema`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from http.client import responses as reasons
from types import CodeType, FunctionType
from typing import Any, ClassVar, get_args

from ninja import NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema
from pydantic.json_schema import CoreModeRef, DefsRef, JsonSchemaValue

from backoffice.api.errors import Error
from backoffice.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page

# Packages whose schema names stay bare: the API's own plumbing, shared by every app.
PLUMBING = ("backoffice.api", "backoffice.core")

# The errors each kind of operation documents (see the module docstring).
AUTHENTICATED_ERRORS = (400, 401, 403, 404, 422, 429)
WRITE_ERRORS = (409,)
BODY_ERRORS = (413,)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SchemaNameClash(Exception):
    """Two schema classes, or two shapes of one class, under one component name."""


def app_prefix(module: str) -> str | None:
    """`Ledger` for a module under `backoffice.ledger`; "" for the plumbing; None outside."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "backoffice":
        return None
    if f"{module}.".startswith(tuple(f"{package}." for package in PLUMBING)):
        return ""
    return "".join(word.capitalize() for word in parts[1].split("_"))


def paged_item(cls: type) -> type | None:
    """The item schema of a paged-list class django-ninja derives from `Page.Output`."""
    if not (isinstance(cls, type) and issubclass(cls, Page.Output)) or cls is Page.Output:
        return None
    field = cls.model_fields.get(Page.items_attribute)
    args = get_args(field.annotation) if field is not None else ()
    return args[0] if args and isinstance(args[0], type) else None


def component_name(cls: type) -> str | None:
    """The namespaced component name of a schema class; None leaves pydantic's choice."""
    item = paged_item(cls)
    namespace = app_prefix((item or cls).__module__)
    if namespace is None:
        return None
    return namespace + cls.__qualname__.replace(".", "")


class _NamespacedJsonSchema(NinjaGenerateJsonSchema):
    """django-ninja's JSON schema generator, naming definitions by `component_name`.

    `owners` (component name → class) is shared by every generator of one document, so a
    clash across the many small schemas django-ninja generates is caught; `for_document`
    makes the subclass that holds it.
    """

    owners: ClassVar[dict[str, type]] = {}

    @classmethod
    def for_document(cls) -> type[_NamespacedJsonSchema]:
        return type("DocumentJsonSchema", (cls,), {"owners": {}})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._classes: dict[str, type] = {}

    def generate_inner(self, schema: Any) -> JsonSchemaValue:
        if isinstance(schema, dict) and "ref" in schema:
            cls = _class_of(schema)
            if cls is not None:
                self._classes[schema["ref"]] = cls
        return super().generate_inner(schema)

    def default_schema(self, schema: Any) -> JsonSchemaValue:
        """A field whose value is a schema class documents no default object: the field is
        optional either way, and typed-client generators refuse a model with a default
        (openapi-python-client dropped `POST /work/engagements` for its `calendar`)."""
        json_schema = super().default_schema(schema)
        if "allOf" in json_schema and isinstance(json_schema.get("default"), dict):
            json_schema = {k: v for k, v in json_schema.items() if k != "default"}
        return json_schema

    def get_defs_ref(self, core_mode_ref: CoreModeRef) -> DefsRef:
        unique = super().get_defs_ref(core_mode_ref)
        cls = self._classes.get(core_mode_ref[0])
        name = component_name(cls) if cls is not None else None
        if cls is None or name is None:
            return unique
        owner = self.owners.setdefault(name, cls)
        if owner is not cls:
            raise SchemaNameClash(
                f"{_dotted(owner)} and {_dotted(cls)} would both be the schema {name!r}"
            )
        self._prioritized_defsref_choices[unique] = [DefsRef(name), unique]
        return unique


def _class_of(schema: dict[str, Any]) -> type | None:
    """The class a core schema with a `ref` describes: its own `cls`, or that of the schema
    it wraps (django-ninja's schemas wrap their model schema in a validator function)."""
    while isinstance(schema, dict):
        if isinstance(schema.get("cls"), type):
            return schema["cls"]  # type: ignore[no-any-return]
        schema = schema.get("schema")  # type: ignore[assignment]
    return None


def _dotted(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class _GeneratorSwap:
    """A model seen by django-ninja's `OpenAPISchema` that generates its JSON schema with
    the document's generator; every other attribute is the model's own."""

    def __init__(self, model: Any, generator: type[NinjaGenerateJsonSchema]) -> None:
        self._model = model
        self._generator = generator

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def model_json_schema(self, **kwargs: Any) -> dict[str, Any]:
        kwargs["schema_generator"] = self._generator
        return self._model.model_json_schema(**kwargs)  # type: ignore[no-any-return]


class ContractSchema(OpenAPISchema):
    """django-ninja's OpenAPI document with namespaced names and documented errors."""

    def __init__(self, api: NinjaAPI, path_prefix: str) -> None:
        self.generator = _NamespacedJsonSchema.for_document()
        super().__init__(api, path_prefix)

    # --- names ------------------------------------------------------------------------

    def _swap(self, model: Any) -> Any:
        return model if isinstance(model, _GeneratorSwap) else _GeneratorSwap(model, self.generator)

    def _extract_parameters(self, model: Any) -> list[dict[str, Any]]:
        return super()._extract_parameters(self._swap(model))

    def _create_schema_from_model(self, model: Any, *args: Any, **kwargs: Any) -> Any:
        return super()._create_schema_from_model(self._swap(model), *args, **kwargs)

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            if name in self.generator.owners:
                definition = {**definition, "title": name}
            known = self.schemas.setdefault(name, definition)
            if known != definition:
                raise SchemaNameClash(
                    f"the schema {name!r} has two shapes (is it used for input and output "
                    "with different fields?); give one use a class of its own"
                )

    def get_components(self) -> dict[str, Any]:
        error = Error.model_json_schema(
            ref_template=REF_TEMPLATE, schema_generator=self.generator, mode="serialization"
        )
        self.add_schema_definitions(error.pop("$defs", {}))
        self.add_schema_definitions({"Error": {**error, "title": "Error"}})
        return super().get_components()

    # --- errors and headers -----------------------------------------------------------

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details = super().operation_details(operation)
        methods = {m.upper() for m in operation.methods}
        statuses: list[int] = []
        if operation.auth_callbacks:
            statuses += AUTHENTICATED_ERRORS
        if methods & WRITE_METHODS:
            statuses += WRITE_ERRORS
        if "requestBody" in details:
            statuses += BODY_ERRORS
        documented = details["responses"]
        for status in sorted(statuses):
            documented.setdefault(status, error_response(status))
        if methods & WRITE_METHODS and calls(operation.view_func, run_idempotent):
            details["parameters"].append(IDEMPOTENCY_PARAMETER)
        return details


def error_response(status: int) -> dict[str, Any]:
    return {
        "description": f"{reasons.get(status, 'Error')}: the error body (see docs/api.md)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "description": (
        "Run this create at most once: a retry with the same key and body gets the stored "
        "response; the same key with another body is a 409 `idempotency_key_reused`. "
        "A blank key is no key."
    ),
    "schema": {"type": "string", "maxLength": 200},
}


def calls(func: Callable[..., Any], target: Callable[..., Any], *, depth: int = 2) -> bool:
    """Whether `func`, or a function of its module it calls (to `depth` levels), names
    `target`: how the document knows which endpoints go through `run_idempotent`."""
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    names = _names(code)
    name = getattr(target, "__name__", "")
    if name in names and func.__globals__.get(name) is target:
        return True
    if depth == 0:
        return False
    return any(
        calls(helper, target, depth=depth - 1)
        for name in names
        if isinstance(helper := func.__globals__.get(name), FunctionType) and helper is not func
    )


def _names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names(const)
    return names


class BackofficeAPI(NinjaAPI):
    """The project's NinjaAPI: its OpenAPI document is a `ContractSchema`."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractSchema(self, path_prefix)


__all__ = ["BackofficeAPI", "ContractSchema", "SchemaNameClash", "component_name"]
