"""Request and response schemas of /api/v1, defined once and used twice: to validate and to document.

Record and transition-input schemas are derived from the definition's `Field`s (and the catalogs), the
same objects `workflow.core.inputs.validate_fields` checks values against, so the OpenAPI document cannot
drift from what the API accepts. Envelope and query-parameter schemas are plain dicts checked by
`check` (a small JSON-Schema subset: type, enum, length, pattern, bounds, properties, required,
additionalProperties) and copied verbatim into the document. A multipart body (evidence uploads) is
documented here and checked by its view, file by file, with `workflow.core.evidence.check`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from workflow.core.inputs import DEFAULT_MAX_TEXT, DEFAULT_MAX_TEXTAREA, text_problem
from workflow.spec.model import Definition, Field

PHONE_PATTERN = r"^\+?[0-9][0-9 ()\-.]{6,38}$"
RECEIPT_PATTERN = r"^[A-Z]{3}-[0-9]{4}-[0-9]{6}$"


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STR = {"type": "string"}
DT = {"type": "string", "format": "date-time"}

COMPONENTS: dict[str, dict] = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "description": "RFC 9457 problem details.",
        "properties": {
            "type": STR, "title": STR, "status": {"type": "integer"}, "detail": STR,
            "errors": {"type": "object", "additionalProperties": STR,
                       "description": "field name -> what is wrong with it"},
            "reasons": {"type": "array", "items": {"type": "object", "properties": {"kind": STR, "reason": STR}}},
            "max_bytes": {"type": "integer", "description": "413: the size limit of one file, in bytes"},
            "max_request_bytes": {"type": "integer", "description": "413: the size limit of the whole request"},
            "max_files": {"type": "integer", "description": "422: files allowed in one request"},
            "max_per_ticket": {"type": "integer", "description": "409: files allowed on one ticket in all"},
            "accepted": {"type": "array", "description": "415: the accepted kinds of file",
                         "items": {"type": "object", "properties": {
                             "content_type": STR, "extensions": {"type": "array", "items": STR}}}},
        },
    },
    "TimelineEntry": {"type": "object", "required": ["at", "state", "label"],
                      "properties": {"at": DT, "state": STR, "label": STR}},
    "Clock": {"type": "object", "required": ["clock", "label", "status", "due_at"],
              "properties": {"clock": STR, "label": STR, "status": {"type": "string", "enum": ["running", "paused"]},
                             "due_at": nullable(DT)}},
    "PublicStatus": {
        "type": "object",
        "required": ["receipt_no", "state", "state_label", "terminal", "created_at", "timeline", "clocks", "actions"],
        "properties": {
            "receipt_no": STR, "state": STR, "state_label": STR, "terminal": {"type": "boolean"},
            "outcome": nullable(STR), "created_at": DT, "updated_at": DT, "closed_at": nullable(DT),
            "timeline": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}},
            "clocks": {"type": "array", "items": {"$ref": "#/components/schemas/Clock"}},
            "requested_information": nullable(STR), "answer": nullable(STR), "confirm_until": nullable(DT),
            "actions": {"type": "array", "items": STR},
        },
    },
    "TicketCreated": {
        "type": "object", "required": ["receipt_no", "state", "replayed"],
        "properties": {
            "receipt_no": STR, "state": STR, "created_at": DT,
            "token": nullable({**STR, "description": "tracking token, returned once (null on an idempotent replay)"}),
            "tracking_pin": nullable({**STR, "description": "six-digit tracking PIN to read out with the receipt "
                                                            "number, returned once (null on a replay)"}),
            "tracking_url": nullable(STR), "replayed": {"type": "boolean"},
        },
    },
    "TicketSummary": {
        "type": "object", "required": ["receipt_no", "definition_key", "definition_version", "state", "version"],
        "properties": {
            "receipt_no": STR, "definition_key": STR, "definition_version": {"type": "integer"},
            "state": STR, "state_label": STR, "version": {"type": "integer"},
            **{name: nullable(STR) for name in ("kanal", "kategori", "sektor", "jenis_izin", "tingkat", "perihal",
                                                 "no_registrasi", "opd", "assignee_role", "outcome")},
            "kerahasiaan": {"type": "string", "enum": ["biasa", "anonim", "rahasia"]},
            "flags": {"type": "array", "items": STR},
            "created_at": DT, "updated_at": DT, "closed_at": nullable(DT),
            "identity": nullable({"type": "object", "additionalProperties": True,
                                  "description": "complainant identity; null for anonim and rahasia"}),
            "clocks": {"type": "array", "items": {"$ref": "#/components/schemas/Clock"}},
        },
    },
    "TicketList": {
        "type": "object", "required": ["items", "total", "limit", "offset"],
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/TicketSummary"}},
                       "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}},
    },
    "Attachment": {
        "type": "object", "required": ["id", "name", "content_type", "size", "sha256", "created_at"],
        "description": "Evidence (bukti) attached to a ticket. The bytes stay in the office; only this is shown.",
        "properties": {
            "id": {"type": "integer"},
            "name": {**STR, "description": "the uploaded file name; for kerahasiaan anonim and rahasia a neutral "
                                           "name such as bukti-2.jpg (file names often carry the complainant's)"},
            "content_type": {**STR, "description": "from the file's content, not from what the client declared"},
            "size": {"type": "integer", "description": "bytes"},
            "sha256": {**STR, "pattern": "^[0-9a-f]{64}$", "description": "hex digest; also in the audit trail"},
            "created_at": DT,
        },
    },
    "AttachmentList": {
        "type": "object", "required": ["receipt_no", "items"],
        "properties": {"receipt_no": STR,
                       "items": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}}},
    },
    "AttachmentsCreated": {
        "type": "object", "required": ["receipt_no", "items", "replayed"],
        "properties": {"receipt_no": STR,
                       "items": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"},
                                 "description": "the files stored by this request, in the order sent"},
                       "replayed": {"type": "boolean",
                                    "description": "true when this answers a retry with the same Idempotency-Key"}},
    },
    "InboundResult": {
        "type": "object", "required": ["outcome", "draft_id", "receipt_no", "refused"],
        "properties": {
            "outcome": {"type": "string", "enum": ["draft", "thread", "ignored", "duplicate"],
                        "description": "draft: opened a draft complaint; thread: joined the number's draft or open "
                                       "ticket; duplicate: this message id was recorded before (nothing changed)"},
            "draft_id": {"type": "integer", "nullable": True},
            "receipt_no": {"type": "string", "nullable": True,
                           "description": "the ticket the message joined, when it joined one"},
            "refused": {"type": "array", "description": "media not kept, each with the rule that refused it",
                        "items": {"type": "object", "required": ["filename", "reason", "message"],
                                  "properties": {"filename": STR, "reason": STR, "message": STR}}}},
    },
    "FieldDoc": {
        "type": "object", "required": ["name", "type", "label", "required"],
        "properties": {"name": STR, "type": STR, "label": STR, "label_en": STR, "required": {"type": "boolean"},
                       "identity": {"type": "boolean"}, "catalog": nullable(STR), "parent": nullable(STR),
                       "options": {"type": "array", "items": STR}, "max_length": nullable({"type": "integer"}),
                       "help": STR},
    },
    "TransitionOption": {
        "type": "object", "required": ["trigger", "label", "dest", "allowed", "reasons", "inputs"],
        "properties": {"trigger": STR, "label": STR, "label_en": STR, "dest": STR, "allowed": {"type": "boolean"},
                       "reasons": {"type": "array", "items": STR},
                       "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/FieldDoc"}}},
    },
    "TransitionList": {
        "type": "object", "required": ["receipt_no", "state", "version", "items"],
        "properties": {"receipt_no": STR, "state": STR, "version": {"type": "integer"},
                       "items": {"type": "array", "items": {"$ref": "#/components/schemas/TransitionOption"}}},
    },
    "DefinitionSummary": {
        "type": "object", "required": ["key", "version", "title"],
        "properties": {"key": STR, "version": {"type": "integer"}, "title": STR, "title_en": STR,
                       "published_at": DT},
    },
    "DefinitionList": {"type": "object", "required": ["items"],
                       "properties": {"items": {"type": "array",
                                                "items": {"$ref": "#/components/schemas/DefinitionSummary"}}}},
    "DefinitionDetail": {
        "type": "object", "required": ["key", "version", "title", "states", "transitions", "record"],
        "properties": {
            "key": STR, "version": {"type": "integer"}, "title": STR, "title_en": STR, "description": STR,
            "states": {"type": "array", "items": {"type": "object", "properties": {
                "key": STR, "label": STR, "label_en": STR, "initial": {"type": "boolean"},
                "terminal": {"type": "boolean"}, "outcome": nullable(STR)}}},
            "transitions": {"type": "array", "items": {"type": "object", "properties": {
                "trigger": STR, "label": STR, "label_en": STR, "from": {"type": "array", "items": STR}, "to": STR,
                "roles": {"type": "array", "items": STR},
                "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/FieldDoc"}}}}},
            "record": {"type": "array", "items": {"$ref": "#/components/schemas/FieldDoc"}},
            "record_schema": {"type": "object"},
        },
    },
}


# -- schemas from definition fields ------------------------------------------------------------------
def field_schema(f: Field, catalogs) -> dict[str, Any]:
    """The JSON Schema of one definition field (as `workflow.core.inputs.coerce` accepts it, codes for choices)."""
    s: dict[str, Any]
    if f.type in ("text", "textarea"):
        s = {"type": "string",
             "maxLength": f.max_length or (DEFAULT_MAX_TEXT if f.type == "text" else DEFAULT_MAX_TEXTAREA)}
    elif f.type in ("choice", "opd", "multichoice"):
        if f.options:
            codes = list(f.options)
        else:
            catalog = catalogs.get("opd" if f.type == "opd" and not f.catalog else (f.catalog or ""))
            codes = sorted(catalog.entries) if catalog is not None else []
        item = {"type": "string", "enum": codes} if codes else {"type": "string"}
        s = {"type": "array", "items": item} if f.type == "multichoice" else item
    elif f.type == "date":
        s = {"type": "string", "format": "date"}
    elif f.type == "datetime":
        s = {"type": "string", "format": "date-time"}
    elif f.type == "number":
        s = {"type": "number"}
    elif f.type == "boolean":
        s = {"type": "boolean"}
    elif f.type == "email":
        s = {"type": "string", "format": "email", "maxLength": 254}
    elif f.type == "phone":
        s = {"type": "string", "pattern": PHONE_PATTERN, "maxLength": 40,
             "description": "Indonesian number: 08…, 62… or +62…"}
    else:
        s = {}
    desc = f.label + (f" — {f.help}" if f.help else "") + (" (identitas pengadu)" if f.identity else "")
    s["description"] = (s.get("description", "") + " " + desc).strip()
    if f.parent:
        s["description"] += f" (harus termasuk {f.parent} yang dipilih)"
    if f.default is not None:
        s["default"] = f.default
    return s


def fields_schema(fields, catalogs) -> dict[str, Any]:
    fields = list(fields)
    schema: dict[str, Any] = {
        "type": "object", "additionalProperties": False,
        "properties": {f.name: field_schema(f, catalogs) for f in fields},
    }
    required = [f.name for f in fields if f.required and f.default is None]
    if required:
        schema["required"] = required
    return schema


def field_doc(f: Field) -> dict[str, Any]:
    return {"name": f.name, "type": f.type, "label": f.label, "label_en": f.label_en, "required": f.required,
            "identity": f.identity, "catalog": f.catalog, "parent": f.parent, "options": list(f.options),
            "max_length": f.max_length, "help": f.help}


def definition_doc(d: Definition, catalogs) -> dict[str, Any]:
    return {
        "key": d.key, "version": d.version or 0, "title": d.title, "title_en": d.title_en,
        "description": d.description,
        "states": [{"key": s.key, "label": s.label, "label_en": s.label_en, "initial": s.initial,
                    "terminal": s.terminal, "outcome": s.outcome} for s in d.states.values()],
        "transitions": [{"trigger": t.trigger, "label": t.label, "label_en": t.label_en, "from": list(t.sources),
                         "to": t.dest, "roles": list(t.roles), "inputs": [field_doc(f) for f in t.inputs]}
                        for t in d.transitions],
        "record": [field_doc(f) for f in d.record],
        "record_schema": fields_schema(d.record, catalogs),
    }


# -- a small validator for the subset of JSON Schema used here ----------------------------------------
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}
_TYPE_WORDS = {"string": "teks", "integer": "bilangan bulat", "number": "angka", "boolean": "true/false",
               "object": "objek JSON", "array": "daftar"}


def check(schema: dict[str, Any], value: Any, path: str = "") -> dict[str, str]:
    """Errors (path -> Indonesian message) of ``value`` against ``schema``; empty when it conforms."""
    where = path or "body"
    kind = schema.get("type")
    if value is None:
        return {} if schema.get("nullable") else {where: "tidak boleh null"}
    if kind and not _TYPES[kind](value):
        return {where: f"harus berupa {_TYPE_WORDS[kind]}"}
    errors: dict[str, str] = {}
    if "enum" in schema and value not in schema["enum"]:
        return {where: f"harus salah satu dari: {', '.join(map(str, schema['enum']))}"}
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors[where] = f"maksimal {schema['maxLength']} karakter"
        elif "minLength" in schema and len(value) < schema["minLength"]:
            errors[where] = f"minimal {schema['minLength']} karakter"
        elif "pattern" in schema and not re.search(schema["pattern"], value):
            errors[where] = "formatnya tidak sah"
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            errors[where] = f"minimal {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            errors[where] = f"maksimal {schema['maximum']}"
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors[f"{path}.{name}".lstrip(".")] = "wajib diisi"
        for name, item in value.items():
            sub = f"{path}.{name}".lstrip(".")
            if name in props:
                errors.update(check(props[name], item, sub))
            elif schema.get("additionalProperties") is False:
                errors[sub] = "field ini tidak dikenal"
    return errors


@dataclass(frozen=True)
class Param:
    """A path or query parameter: its schema validates (after converting from text) and documents it."""

    name: str
    where: str  # path | query | header
    schema: dict[str, Any]
    description: str = ""
    required: bool = False

    def parse(self, raw: str | None) -> tuple[Any, str | None]:
        # an empty header was sent (Idempotency-Key: ""), so it is checked; an empty query value means none
        if raw is None or (raw == "" and self.where != "header"):
            return (None, "wajib diisi") if self.required else (self.schema.get("default"), None)
        if text_problem(raw):  # a NUL in ?state=%00 would reach the database
            return None, text_problem(raw)
        value: Any = raw
        if self.schema.get("type") == "integer":
            if not re.fullmatch(r"-?[0-9]{1,12}", raw.strip()):
                return None, "harus berupa bilangan bulat"
            value = int(raw)
        errors = check(self.schema, value, self.name)
        return (None, next(iter(errors.values()))) if errors else (value, None)

    def doc(self) -> dict[str, Any]:
        return {"name": self.name, "in": self.where, "required": self.required or self.where == "path",
                "description": self.description, "schema": self.schema}


@dataclass
class Operation:
    """One API operation as documented; the view wrapper enforces the same scope, params and body."""

    method: str
    path: str  # OpenAPI style: /tickets/{receipt_no}
    operation_id: str
    summary: str
    scopes: tuple[str, ...]  # any of these scopes is enough; () = no key needed
    params: tuple[Param, ...] = ()
    body: Callable[[Any], dict] | None = None  # runtime -> JSON schema of the body
    body_required: bool = True
    # "multipart/form-data": the wrapper only checks the media type (415 otherwise); the view reads
    # request.files itself, and ``body_encoding`` documents each part's content types
    body_media: str = "application/json"
    body_encoding: dict[str, dict] | None = None
    # False when the body is a definition record: `validate_fields` (the engine) checks it field by field
    # from the same Field objects the schema is derived from, and also accepts catalog labels and aliases
    check_body: bool = True
    response: str | None = None
    status: int = 200
    headers: tuple[Param, ...] = ()
    tags: tuple[str, ...] = ()
    description: str = ""
    extra_responses: dict[int, str] = field(default_factory=dict)
    problems: dict[int, str] = field(default_factory=dict)  # problem+json statuses worth naming one by one


def openapi(operations: list[Operation], runtime, server_url: str = "/api/v1") -> dict[str, Any]:
    paths: dict[str, dict] = {}
    problem = {"description": "Problem (RFC 9457)",
               "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for op in operations:
        item: dict[str, Any] = {
            "operationId": op.operation_id, "summary": op.summary, "tags": list(op.tags),
            "parameters": [p.doc() for p in op.params + op.headers],
            "responses": {
                str(op.status): {"description": "OK",
                                 "content": {"application/json": {
                                     "schema": {"$ref": f"#/components/schemas/{op.response}"}}}},
                "default": problem,
            },
        }
        if op.description:
            item["description"] = op.description
        for status, text in op.extra_responses.items():
            item["responses"][str(status)] = {"description": text, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{op.response}"}}}}
        for status, text in op.problems.items():
            item["responses"][str(status)] = {**problem, "description": text}
        if op.scopes:
            item["security"] = [{"bearer": []}, {"apiKey": []}]
            item["description"] = (item.get("description", "") + f"\n\nScope: {' or '.join(op.scopes)}.").strip()
        else:
            item["security"] = []
        if op.body is not None:
            media: dict[str, Any] = {"schema": op.body(runtime)}
            if op.body_encoding:
                media["encoding"] = op.body_encoding
            item["requestBody"] = {"required": op.body_required, "content": {op.body_media: media}}
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.0.3",
        "info": {"title": "alur API", "version": "1",
                 "description": "Pengaduan (complaint) intake, tracking and handling for integrations "
                                "(SIPEKA, SP4N-LAPOR!, WhatsApp gateways). Errors are application/problem+json."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer alur_…"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }


__all__ = ["COMPONENTS", "field_schema", "fields_schema", "field_doc", "definition_doc", "check", "Param",
           "Operation", "openapi", "RECEIPT_PATTERN", "PHONE_PATTERN"]
