"""Which services the public may file a complaint on: the published definitions marked ``public: true``.

Several definitions run side by side; the public form and the API intake offer the latest version of each
one marked public, each with its own record fields. When none is marked, the office's default intake
definition is offered (``ALUR_INTAKE_DEFINITION``, else the first published key A-Z:
`workflow.runtime.Runtime.intake_definition`), so an office with one SOP needs no flag.

A complaint filed online arrives through the channel the definition's ``kanal`` catalog marks
``online_form: true`` (definitions/catalog/README.md), when the definition records a channel at all.
"""
from __future__ import annotations

from workflow.errors import AlurError, UnknownDefinition
from workflow.spec.model import Definition


def live_definitions(runtime) -> list[Definition]:
    """The latest published version of every definition key, by key."""
    with runtime.store.unit_of_work(read_only=True) as uow:
        published = uow.definitions.published()
    latest: dict[str, int] = {}
    for key, version in published:
        latest[key] = max(version, latest.get(key, 0))
    out = []
    for key in sorted(latest):
        try:
            out.append(runtime.engine.definition(key, latest[key]))
        except AlurError:  # a version that no longer loads is offered to nobody
            continue
    return out


def offered_definitions(runtime, default: str | None = None) -> list[Definition]:
    """The definitions the public may file on: those marked public, else the default intake definition
    (``default``, else the runtime's)."""
    live = live_definitions(runtime)
    public = [d for d in live if d.public]
    if public:
        return public
    key = default or runtime.intake_definition()
    return [d for d in live if d.key == key]


def offered(runtime, key: str | None, default: str | None = None) -> Definition:
    """The offered definition ``key`` (None: the only one, or the default intake one); `UnknownDefinition`
    naming the services on offer when ``key`` is not one of them."""
    choices = offered_definitions(runtime, default)
    if not key:
        fallback = default or runtime.intake_definition()
        found = next((d for d in choices if d.key == fallback), choices[0] if choices else None)
    else:
        found = next((d for d in choices if d.key == key), None)
    if found is None:
        names = ", ".join(d.key for d in choices) or "none yet"
        raise UnknownDefinition(f"no public service '{key}'; services: {names}")
    return found


def online_channel(definition: Definition, catalogs) -> str | None:
    """The channel code an online complaint gets, or None when the definition records no channel."""
    field = definition.record_field("kanal")
    if field is None:
        return None
    if field.options:
        return field.default if field.default in field.options else None
    catalog = catalogs.get(field.catalog or "kanal")
    if catalog is None:
        return None
    return next((code for code, e in catalog.entries.items() if e.extra.get("online_form")), None)


__all__ = ["live_definitions", "offered_definitions", "offered", "online_channel"]
