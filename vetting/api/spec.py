"""A thin route decorator: authorise, validate with pydantic, serialise; and the OpenAPI 3
document built from the very models that validate (so the two never drift).

Pydantic does the validation and the JSON Schema; this module only wires them to Flask routes.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from vetting import auth, db
from vetting.errors import (
    BadRequest,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    Unauthorized,
    errors_from_pydantic,
)
from vetting.schemas import JSON_BODY, MAX_ID, ErrorOut, Page


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    scope: str | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    produces: tuple[str, ...] = ("application/json",)
    description: str = ""
    extra_responses: dict[int, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    url_token: bool = False
    form: type[BaseModel] | None = None  # the form fields sent with `files` (multipart)


OPERATIONS: list[Operation] = []


def parse_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("a JSON object is required", "body")
    if request.mimetype != "application/json":
        raise BadRequest("Content-Type must be application/json", "body")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"malformed JSON: {exc}", "body") from None
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply", "body") from None
    if not isinstance(data, dict):
        raise Invalid("expected a JSON object", "body")
    try:
        return model.model_validate(data, context=JSON_BODY)
    except ValidationError as exc:
        raise Invalid("", errors=errors_from_pydantic(exc, "body")) from None


def parse_files(names: tuple[str, ...]) -> dict[str, FileStorage]:
    """The named parts of a multipart/form-data upload, each required."""
    if request.mimetype != "multipart/form-data":
        raise BadRequest(
            f"Content-Type must be multipart/form-data with a {names[0]!r} part", "body"
        )
    try:
        parts = request.files
    except RequestEntityTooLarge:
        raise TooLarge(
            f"the upload is larger than the {request.max_content_length} bytes a request may "
            "carry (VETTING_MAX_REQUEST_BYTES)",
            names[0],
        ) from None
    found: dict[str, FileStorage] = {}
    for name in names:
        part = parts.get(name)
        if part is None:
            raise Invalid("is required (a file part of the multipart form)", name)
        found[name] = part
    return found


def parse_form(model: type[BaseModel]) -> BaseModel:
    """The text fields of a multipart/form-data upload (an empty field is an absent one)."""
    data = {key: value for key, value in request.form.items() if value != ""}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("", errors=errors_from_pydantic(exc, "body")) from None


URL_TOKEN_MAX = 200  # as documented (BaaCalendarQuery.token); tokens are 46 characters


def url_token_principal(secret: str) -> auth.Principal:
    """A token passed as ?token= (calendar clients cannot send headers). URLs end up in logs
    and browser histories, so only a read-only token is accepted this way; one that can write
    is refused and revoked at once, since it is now exposed."""
    if len(secret) > URL_TOKEN_MAX:
        raise Unauthorized("invalid or revoked token", "token")
    principal = auth.principal_for_token(db.session(), secret, in_url=True)
    writes = sorted(sc for sc in principal.scopes if not sc.endswith(":read"))
    if writes:
        auth.revoke_exposed_token(db.session(), secret, "a URL (?token=)")
        raise Forbidden(
            "a token in the URL must be read-only, and this one may also "
            f"{', '.join(writes)}: it was revoked, since URLs are kept in logs and browser "
            "histories. Create one with only read scopes for the calendar, e.g. "
            "`vetting tokens create calendar --role legal --scope baas:read`",
            "token",
        )
    return principal


M = TypeVar("M", bound=BaseModel)


def parse_query(model: type[M], skip: tuple[str, ...] = ()) -> M:
    """The query string as `model` (a repeated parameter as a list); a mistake is a 422
    naming the parameter."""
    data: dict[str, Any] = {}
    for key in request.args:
        if key in skip:
            continue
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("", errors=errors_from_pydantic(exc, "query")) from None


def serialise(value: Any, status: int) -> Response:
    if isinstance(value, Response):
        return value
    if isinstance(value, BaseModel):
        payload = value.model_dump_json(by_alias=True)
    else:
        payload = json.dumps(value, default=str)
    return Response(payload, status=status, mimetype="application/json")


def route(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    scope: str | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    produces: tuple[str, ...] = ("application/json",),
    description: str = "",
    files: tuple[str, ...] = (),
    url_token: bool = False,
    responses: dict[int, str] | None = None,
    form: type[BaseModel] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API operation. The view receives `body=` and `query=` models when declared,
    and `files=` (name → upload) for a multipart/form-data upload. `url_token` also accepts a
    read-only token as ?token= (for clients that cannot send headers). With `body`, `files`
    and `form` together the operation takes either the JSON body, or a multipart upload whose
    text fields are validated by `form` (the view then gets `body=` the form model and
    `files=`; for JSON, `files={}`)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            for name, value in kwargs.items():  # <int:…> path ids: none is beyond a column's
                if isinstance(value, int) and value > MAX_ID:
                    raise NotFound(f"no {name.removesuffix('_id')} with id {value}", name)
            if scope is not None:
                principal = g.get("principal")
                if principal is None and url_token and request.args.get("token"):
                    principal = g.principal = url_token_principal(request.args["token"])
                if principal is None:
                    raise Unauthorized("a bearer token is required")
                principal.require(scope)
            either = body is not None and files and form is not None
            if either and request.mimetype == "multipart/form-data":
                kwargs["files"] = parse_files(files)
                kwargs["body"] = parse_form(form)  # type: ignore[arg-type]
            elif either:
                kwargs["body"] = parse_body(body)  # type: ignore[arg-type]
                kwargs["files"] = {}
            else:
                if body is not None:
                    kwargs["body"] = parse_body(body)
                if files:
                    kwargs["files"] = parse_files(files)
            if query is not None:
                kwargs["query"] = parse_query(query, skip=("token",) if url_token else ())
            return serialise(view(**kwargs), status)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        OPERATIONS.append(
            Operation(
                rule=(bp.url_prefix or "") + rule,
                method=method.lower(),
                endpoint=view.__name__,
                summary=summary,
                tag=tag,
                scope=scope,
                body=body,
                query=query,
                response=response,
                status=status,
                produces=produces,
                description=description or (view.__doc__ or ""),
                files=files,
                url_token=url_token,
                extra_responses=dict(responses or {}),
                form=form,
            )
        )
        return wrapper

    return decorator


_PARAM_RE = re.compile(r"<(?:(\w+):)?(\w+)>")


def document_path(rule: str) -> str:
    """A Flask rule as the document writes its path: `<int:baa_id>` → `{baa_id}`."""
    return _PARAM_RE.sub(lambda m: "{" + m.group(2) + "}", rule)


def openapi_document(title: str, version: str) -> dict[str, Any]:
    """OpenAPI 3.1 built from the registered operations and their pydantic models."""
    models: set[type[BaseModel]] = {ErrorOut}
    for op in OPERATIONS:
        for m in (op.body, op.response, op.form):
            if m is not None:
                models.add(m)
    ordered = sorted(models, key=lambda m: m.__name__)

    def validating(m: type[BaseModel]) -> bool:
        return any(op.body is m or op.form is m for op in OPERATIONS)

    keys: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "validation") for m in ordered if validating(m)
    ]
    keys += [(m, "serialization") for m in ordered if not validating(m)]
    refs, top = models_json_schema(keys, ref_template="#/components/schemas/{model}")
    schemas = top.get("$defs", {})

    def ref(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return refs[(model, mode)]

    paths: dict[str, dict[str, Any]] = {}
    error_ref = ref(ErrorOut, "serialization")
    for op in OPERATIONS:
        path = document_path(op.rule)
        params: list[dict[str, Any]] = []
        for conv, name in _PARAM_RE.findall(op.rule):
            params.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": (
                        {"type": "integer", "minimum": 0, "maximum": MAX_ID}
                        if conv == "int"
                        else {"type": "string"}
                    ),
                }
            )
        if op.query is not None:
            qschema = op.query.model_json_schema(ref_template="#/components/schemas/{model}")
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in required,
                        "schema": {k: v for k, v in prop.items() if k != "title"},
                        **({"description": prop["description"]} if "description" in prop else {}),
                    }
                )
        operation: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": params,
            "responses": {},
        }
        if op.description.strip():
            operation["description"] = op.description.strip()
        if op.scope is not None:
            operation["security"] = [{"bearerAuth": []}]
            if op.url_token:
                operation["security"].append({"urlToken": []})
            operation["x-required-scope"] = op.scope
        else:
            operation["security"] = []
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body, "validation")}},
            }
        if op.files:
            parts: dict[str, Any] = {
                "type": "object",
                "properties": {name: {"type": "string", "format": "binary"} for name in op.files},
                "required": list(op.files),
            }
            multipart = {"schema": parts}
            if op.form is not None:
                multipart = {"schema": {"allOf": [ref(op.form, "validation"), parts]}}
            bodies: dict[str, Any] = {"multipart/form-data": multipart}
            if op.body is not None:  # either one
                bodies = {**operation["requestBody"]["content"], **bodies}
            operation["requestBody"] = {"required": True, "content": bodies}
        ok: dict[str, Any] = {"description": "OK" if op.status != 204 else "No content"}
        if op.status != 204:
            content: dict[str, Any] = {}
            for mime in op.produces:
                if mime == "application/json" and op.response is not None:
                    content[mime] = {"schema": ref(op.response, "serialization")}
                elif mime.endswith("json"):
                    content[mime] = {"schema": {"type": "object"}}
                else:
                    content[mime] = {"schema": {"type": "string"}}
            ok["content"] = content
        operation["responses"][str(op.status)] = ok
        for code, text in op.extra_responses.items():
            extra: dict[str, Any] = {"description": text}
            if code < 300 and "content" in ok:
                extra["content"] = ok["content"]
            operation["responses"][str(code)] = extra
        err = {"content": {"application/json": {"schema": error_ref}}}
        codes = {400: "Malformed request", 422: "Invalid input", 404: "Not found"}
        if op.scope is not None:
            codes |= {401: "Missing or invalid token", 403: "Role may not do this"}
        if op.method in {"post", "patch", "put", "delete"}:
            codes[409] = "Conflicts with existing data"
        if op.files:
            codes[413] = "Upload too large"
        for code, text in sorted(codes.items()):
            operation["responses"][str(code)] = {"description": text, **err}
        paths.setdefault(path, {})[op.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "urlToken": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "token",
                    "description": "a read-only token, only where a route allows it",
                },
            },
        },
    }


def page_of(
    model: type[BaseModel], result: Any, convert: Callable[[Any], BaseModel] | None = None
) -> BaseModel:
    """A service's PageResult as the API's Page[model]; `convert` builds one item (default:
    model.model_validate of the row)."""
    build = convert or model.model_validate
    return Page[model](  # type: ignore[valid-type]
        items=[build(i) for i in result.items],
        page=result.page,
        per_page=result.per_page,
        total=result.total,
    )
