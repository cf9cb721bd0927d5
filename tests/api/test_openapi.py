"""The OpenAPI document: public, valid, complete, and generated from the validating models."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint
from openapi_spec_validator import validate

from vetting.api import spec
from vetting.schemas import (
    AnswerIn,
    AppCreate,
    AppUpdate,
    AssessmentCreate,
    BaaCreate,
    BaaUpdate,
    DecisionIn,
    VendorCreate,
    VendorUpdate,
)

URL = "/api/v1/openapi.json"
REF = "#/components/schemas/{model}"

# Issue 2, item 10: the routes that must exist, with their methods.
REQUIRED = {
    "/api/v1/vendors": {"get", "post"},
    "/api/v1/vendors/{vendor_id}": {"get", "patch", "delete"},
    "/api/v1/apps": {"get", "post"},
    "/api/v1/apps/{app_id}": {"get", "patch", "delete"},
    "/api/v1/checklists": {"get"},
    "/api/v1/checklists/{checklist_id}": {"get"},
    "/api/v1/assessments": {"post"},
    "/api/v1/assessments/{assessment_id}": {"get"},
    "/api/v1/assessments/{assessment_id}/answers/{capability_key}": {"put"},
    "/api/v1/assessments/{assessment_id}/decision": {"post"},
    "/api/v1/baas": {"get", "post"},
    "/api/v1/baas/{baa_id}": {"get", "patch"},
    "/api/v1/allowlist": {"get"},
}
BODIES = {
    ("/api/v1/vendors", "post"): VendorCreate,
    ("/api/v1/vendors/{vendor_id}", "patch"): VendorUpdate,
    ("/api/v1/apps", "post"): AppCreate,
    ("/api/v1/apps/{app_id}", "patch"): AppUpdate,
    ("/api/v1/assessments", "post"): AssessmentCreate,
    ("/api/v1/assessments/{assessment_id}/answers/{capability_key}", "put"): AnswerIn,
    ("/api/v1/assessments/{assessment_id}/decision", "post"): DecisionIn,
    ("/api/v1/baas", "post"): BaaCreate,
    ("/api/v1/baas/{baa_id}", "patch"): BaaUpdate,
}


@pytest.fixture(scope="class")
def doc(api) -> dict:
    r = api.client.get(URL)
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    return r.json


def operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def resolve(doc: dict, schema: dict) -> dict:
    name = schema["$ref"].removeprefix("#/components/schemas/")
    return doc["components"]["schemas"][name]


class TestOpenApiDocument:
    """Read-only: one shared app and one fetch of the document for the whole class."""

    def test_document_needs_no_token_and_is_valid_openapi(self, doc):
        validate(doc)
        assert doc["openapi"].startswith("3.")
        assert doc["info"]["title"] and doc["info"]["version"]

    def test_document_lists_every_required_route_with_its_methods(self, doc):
        for path, methods in REQUIRED.items():
            assert path in doc["paths"], path
            assert methods <= set(doc["paths"][path]), (path, set(doc["paths"][path]))

    def test_document_lists_exactly_the_registered_routes(self, api, doc):
        registered = set()
        for rule in api.app.url_map.iter_rules():
            if not rule.rule.startswith("/api/v1/") or rule.rule == URL:
                continue
            path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
            registered |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
        documented = {(path, method) for path, method, _ in operations(doc)}
        assert documented == registered

    def test_operation_ids_are_unique(self, doc):
        ids = [op["operationId"] for _, _, op in operations(doc)]
        assert len(ids) == len(set(ids))

    def test_path_parameters_are_declared_with_their_flask_types(self, api, doc):
        converters = {}  # (path, name) -> the Flask converter of that URL variable
        for rule in api.app.url_map.iter_rules():
            path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
            for name, conv in rule._converters.items():
                converters[(path, name)] = type(conv).__name__
        for path, _, op in operations(doc):
            declared = {p["name"]: p for p in op["parameters"] if p["in"] == "path"}
            assert set(declared) == set(re.findall(r"{(\w+)}", path)), path
            for name, p in declared.items():
                assert p["required"] is True
                expected = "integer" if converters[(path, name)] == "IntegerConverter" else "string"
                assert p["schema"]["type"] == expected, (path, name)
        assert ("/api/v1/vendors/{vendor_id}", "vendor_id") in converters

    @pytest.mark.parametrize(
        ("key", "model"), list(BODIES.items()), ids=[f"{m} {p}" for p, m in BODIES]
    )
    def test_request_bodies_are_the_validating_models(self, doc, key, model):
        path, method = key
        body = doc["paths"][path][method]["requestBody"]
        assert body["required"] is True
        schema = body["content"]["application/json"]["schema"]
        assert schema == {"$ref": REF.format(model=model.__name__)}
        documented = resolve(doc, schema)
        own = model.model_json_schema(ref_template=REF, mode="validation")
        own.pop("$defs", None)
        assert documented == own
        assert documented["additionalProperties"] is False

    def test_vendor_create_schema_carries_the_model_rules(self, doc):
        s = doc["components"]["schemas"]["VendorCreate"]
        assert s["additionalProperties"] is False
        assert s["required"] == ["name"]
        assert s["properties"]["name"]["maxLength"] == 200
        assert s["properties"]["name"]["minLength"] == 1

    def test_app_create_schema_lists_the_platforms(self, doc):
        s = doc["components"]["schemas"]["AppCreate"]
        assert set(s["properties"]["platform"]["enum"]) == {"ios", "android", "web"}
        assert set(s["required"]) == {"vendor_id", "name", "platform"}

    def test_list_query_parameters_come_from_the_query_model(self, doc):
        params = {p["name"]: p for p in doc["paths"]["/api/v1/vendors"]["get"]["parameters"]}
        assert set(params) == {"page", "per_page", "q"}
        assert params["per_page"]["schema"]["maximum"] == 500
        assert params["page"]["schema"]["minimum"] == 1
        apps = {p["name"] for p in doc["paths"]["/api/v1/apps"]["get"]["parameters"]}
        assert {"vendor_id", "platform", "q", "page", "per_page"} <= apps
        allowlist = {p["name"]: p for p in doc["paths"]["/api/v1/allowlist"]["get"]["parameters"]}
        assert set(allowlist) == {"as_of", "format"}

    def test_responses_reference_schemas_and_errors_share_one(self, doc):
        vendor = doc["paths"]["/api/v1/vendors"]["post"]["responses"]
        assert resolve(doc, vendor["201"]["content"]["application/json"]["schema"])["properties"][
            "name"
        ]
        assert (
            "content"
            not in doc["paths"]["/api/v1/vendors/{vendor_id}"]["delete"]["responses"]["204"]
        )
        csv = doc["paths"]["/api/v1/allowlist"]["get"]["responses"]["200"]["content"]
        assert set(csv) == {"application/json", "text/csv"}
        error_schema = doc["components"]["schemas"]["ErrorOut"]
        assert set(error_schema["properties"]) == {"errors"}
        for path, method, op in operations(doc):
            for code in ("400", "401", "403", "404", "422"):
                ref = op["responses"][code]["content"]["application/json"]["schema"]
                assert ref == {"$ref": REF.format(model="ErrorOut")}, (path, method, code)

    def test_protected_operations_declare_bearer_security(self, doc):
        assert doc["components"]["securitySchemes"]["bearerAuth"] == {
            "type": "http",
            "scheme": "bearer",
        }
        assert "security" not in doc  # no global requirement: the document itself is public
        for path, method, op in operations(doc):
            assert op["security"][0] == {"bearerAuth": []}, (path, method)
            # any alternative scheme must be one the document defines
            assert {k for alt in op["security"] for k in alt} <= set(
                doc["components"]["securitySchemes"]
            )
            assert op["x-required-scope"], (path, method)

    def test_a_public_operation_declares_no_security(self, monkeypatch):
        monkeypatch.setattr(spec, "OPERATIONS", list(spec.OPERATIONS))
        bp = Blueprint("public_probe", __name__, url_prefix="/api/v1")

        @spec.route(bp, "/health", "GET", summary="Liveness", tag="meta", scope=None)
        def health() -> dict:
            return {"ok": True}

        doc = spec.openapi_document("t", "1")
        validate(doc)
        public = doc["paths"]["/api/v1/health"]["get"]
        assert public["security"] == []
        assert "x-required-scope" not in public
        assert "401" not in public["responses"] and "403" not in public["responses"]
        protected = doc["paths"]["/api/v1/vendors"]["get"]
        assert {"401", "403"} <= set(protected["responses"])

    def test_required_scopes_match_the_permission_checks(self, doc):
        scope = {(p, m): op["x-required-scope"] for p, m, op in operations(doc)}
        assert scope[("/api/v1/baas", "post")] == "baas:write"
        assert scope[("/api/v1/vendors", "post")] == "vendors:write"
        assert scope[("/api/v1/assessments/{assessment_id}/decision", "post")] == "decisions:write"
        assert scope[("/api/v1/allowlist", "get")] == "allowlist:read"


def test_openapi_document_ignores_a_bad_authorization_header(client) -> None:
    resp = client.get("/api/v1/openapi.json", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 200
    assert resp.json["openapi"].startswith("3.")
