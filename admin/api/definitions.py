"""/api/v1/definitions: the published definitions an integration files on and fires against."""
from __future__ import annotations

from flask import Blueprint, jsonify

from admin.public.status import iso
from workflow.errors import UnknownDefinition
from workflow.store.queries.definitions import latest_versions

from .errors import ApiProblem
from .operations import operation
from .schema import Operation, Param, definition_doc


def list_definitions(rt):
    items = []
    for r in latest_versions(rt.store):
        definition = rt.engine.definition(r["key"], r["version"])
        items.append({"key": r["key"], "version": r["version"], "title": r["title"], "title_en": definition.title_en,
                      "published_at": iso(r["published_at"])})
    return jsonify({"items": items})


def get_definition(rt, key, version=None):
    try:
        definition = rt.engine.definition(key, version)
    except UnknownDefinition:
        raise ApiProblem(404, "Definisi tidak ditemukan", f"Tidak ada definisi terbit '{key}'"
                         + (f" versi {version}" if version else "") + ".") from None
    return jsonify(definition_doc(definition, rt.catalogs))


LIST = Operation("GET", "/definitions", "listDefinitions", "Published definitions (latest versions)",
                 ("intake", "read", "act"), response="DefinitionList", tags=("definitions",))
GET = Operation("GET", "/definitions/{key}", "getDefinition", "A definition: states, transitions, record",
                ("intake", "read", "act"),
                params=(Param("key", "path", {"type": "string", "pattern": r"^[a-z][a-z0-9-]{0,99}$"}, required=True),
                        Param("version", "query", {"type": "integer", "minimum": 1, "maximum": 10**6})),
                response="DefinitionDetail", tags=("definitions",))


def register(bp: Blueprint) -> None:
    operation(bp, LIST)(list_definitions)
    operation(bp, GET)(get_definition)


__all__ = ["register"]
