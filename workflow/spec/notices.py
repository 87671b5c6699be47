"""Whom a definition may notify beyond its staff and complainant, and the templates it ships itself.

Recipients that name a field (checked in stage 2, `workflow.spec.validation.check_recipient`):

* ``field:<name>`` -- a third party whose address the ticket carries: an ``email`` or ``phone`` field of
  the record or of a transition's inputs (the reported business, a village head). D219 when no such
  field exists, D246 when it is not an email or phone field.
* ``agency:<name>`` -- the contact (email or webhook) the office keeps for the agency named by an ``opd``
  field (the competent agency a complaint is transferred to). D219 / D246 likewise.

A template the definition ships beside itself is written under ``notifications:`` with its text in
Indonesian (``id``, required) and English (``en``, optional), in the format of
``notifications/templates/*.txt``: a ``Subject: ...`` line, a blank line, the body (Jinja2). A published
version carries its templates, so they can never go missing; a malformed one is D245. `notify` may name
these as it names the shipped templates.
"""
from __future__ import annotations

from typing import Any, Mapping

from workflow.spec.located import did_you_mean, join_path

CONTACT_TYPES = ("email", "phone")
AGENCY_TYPES = ("opd",)
LOCALES = ("id", "en")


def own_templates(definition: Any) -> dict[str, dict[str, str]]:
    """The templates a definition ships: key -> {locale: text} (only entries that carry an ``id`` text)."""
    out: dict[str, dict[str, str]] = {}
    for key, entry in (definition.notifications or {}).items():
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            out[str(key)] = {loc: str(entry[loc]) for loc in LOCALES if isinstance(entry.get(loc), str)}
    return out


def split_template(text: str) -> tuple[str, str] | None:
    """(subject, body) of a template text, or None when it is not 'Subject: ...', a blank line, a body."""
    first, _, rest = text.partition("\n")
    second, _, body = rest.partition("\n")
    if not first.startswith("Subject:") or second.strip() or not first[len("Subject:"):].strip() \
            or not body.strip():
        return None
    return first[len("Subject:"):].strip(), body


def check_own_templates(m: Any) -> None:
    """Each template shipped under ``notifications:`` has Indonesian text and the Subject/blank/body shape."""
    for key, entry in (m.d.notifications or {}).items():
        if not isinstance(entry, Mapping) or not any(loc in entry for loc in LOCALES):
            continue  # a plain {label: ...} entry names a shipped template for readers
        path = join_path("notifications", key)
        if not isinstance(entry.get("id"), str):
            m.problem("D245", path, f"template '{key}' has no Indonesian text ('id')",
                      "add 'id: |' with 'Subject: ...', a blank line and the message; 'en' is optional")
        for loc in LOCALES:
            text = entry.get(loc)
            if text is not None and (not isinstance(text, str) or split_template(text) is None):
                m.problem("D245", join_path(path, loc), f"template '{key}' ({loc}) is not 'Subject: ...', a blank "
                          "line, then the message", "start the text with 'Subject: <subject>' and an empty line, "
                          "as the files in notifications/templates/ do")
                break


def check_contact_recipient(m: Any, who: str, path: str) -> None:
    """``field:<name>`` names an email/phone field; ``agency:<name>`` an agency (opd) field."""
    kind, _, name = who.partition(":")
    wanted = CONTACT_TYPES if kind == "field" else AGENCY_TYPES
    found = m.d.record_field(name) or next((f for t in m.d.transitions for f in t.inputs if f.name == name), None)
    if found is None:
        m.problem("D219", path, f"recipient '{who}' names unknown field '{name}'",
                  did_you_mean(name, m.field_names) or "name a field of the record or of a transition's inputs")
    elif found.type not in wanted:
        m.problem("D246", path, f"recipient '{who}' names a {found.type} field",
                  "field: needs an email or phone field (the address to write to); agency: needs an opd field")


__all__ = ["own_templates", "split_template", "check_own_templates", "check_contact_recipient", "CONTACT_TYPES"]
