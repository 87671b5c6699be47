"""What messages to people outside the office say: third parties a definition names, agencies a complaint
is transferred to, and an agency's liaisons asked for their part of a handoff.

* A third party (``field:<name>``, audience ``pihak``) hears the ticket's facts (office, receipt number,
  subject, stage), never who complained nor the tracking link.
* An agency (``agency:<name>``, audience ``instansi``) receives the complaint itself to handle it: subject,
  category, the grievance, where and when, and why it was transferred. The complainant's identity goes
  only with a ``biasa`` complaint; an ``anonim`` or ``rahasia`` one reaches the agency without it.
* A handoff's notice (``detail["agency"]``) names the agency asked, its own deadlines and the request.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from notifications.recipients import AGENCY, THIRD_PARTY, Target

__all__ = ["agency_contacts", "outside_facts", "handoff_facts", "OUTSIDE"]

OUTSIDE = (THIRD_PARTY, AGENCY)
IDENTITY_SHOWN = ("nama", "alamat", "telepon", "email")  # in this order, when the complaint is biasa
COMPLAINT_FIELDS = ("uraian", "tempat", "waktu_kejadian", "no_registrasi")
REASONS = ("alasan", "alasan_pengalihan")


def agency_contacts(runtime: Any) -> Callable[[str], Mapping[str, Any] | None]:
    """An agency code -> the contact the office keeps for it (``email``, ``phone``, ``webhook_url``)."""
    catalog = runtime.catalogs.get("opd") if hasattr(runtime.catalogs, "get") else None

    def contact(code: str) -> Mapping[str, Any] | None:
        entry = catalog.get(code) if catalog is not None else None
        return dict(entry.extra) if entry is not None else None

    return contact


def _label(runtime: Any, code: str | None, locale: str) -> str:
    catalog = runtime.catalogs.get("opd") if code and hasattr(runtime.catalogs, "get") else None
    return catalog.label_of(code, locale) if catalog is not None else (code or "-")


def outside_facts(runtime: Any, facts: Any, target: Target, locale: str) -> dict[str, Any]:
    """The context of a message to a third party or an agency (see the module docstring)."""
    t = facts.ticket
    fields = t.fields
    ctx: dict[str, Any] = {"recipient_name": "", "summary": fields.get("perihal") or t.receipt_no}
    if target.audience == THIRD_PARTY:
        return ctx
    ctx["recipient_name"] = _label(runtime, target.party, locale)
    ctx["opd_name"] = ctx["recipient_name"]
    ctx["complaint"] = {name: str(fields[name]) for name in COMPLAINT_FIELDS if fields.get(name)}
    reason = next((fields[name] for name in REASONS if fields.get(name)), None)
    if reason:
        ctx["reason"] = reason
    if t.confidentiality == "biasa":
        ctx["complainant"] = {name: str(t.identity[name]) for name in IDENTITY_SHOWN if t.identity.get(name)}
    else:
        ctx["identity_withheld"] = True
    return ctx


def handoff_facts(runtime: Any, facts: Any, detail: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """For a handoff's notice: the agency asked, when, its acknowledge and answer due times, the request."""
    agency = detail.get("agency")
    handoff = facts.definition.handoffs.get(detail.get("handoff") or "") if agency else None
    if handoff is None:
        return {}
    t = facts.ticket
    part = t.part(handoff.key, agency)
    ctx: dict[str, Any] = {"opd_name": _label(runtime, agency, locale)}
    if part is not None:
        ctx["handed_at"] = part.requested_at
    for name, clock in (("ack_due_at", handoff.acknowledge), ("answer_due_at", handoff.answer)):
        run = t.clock(clock, party=agency)
        if run is not None and run.due_at is not None:
            ctx[name] = run.due_at
    if handoff.request and t.fields.get(handoff.request):
        ctx["request"] = t.fields[handoff.request]
    return ctx

