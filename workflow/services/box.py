"""Complaint box sessions (issue 16): open a session for the day the box was opened, record the forms found
as complaints (the console's record form, with the box channel and the session's day filled in), close the
session with the number of forms found. The close is one audited event naming the day, the forms found and
the receipts recorded, so the trail shows every opening of the box, empty ones too.

The rules are `workflow.core.box`; the box days are the definition's (the date rule of the box date field).
"""
from __future__ import annotations

from datetime import date, datetime

from workflow.core.audit import AuditEvent
from workflow.core.box import BoxChannel, box_channels, check_closing, check_opening
from workflow.core.calendar import OFFICE_TZ
from workflow.core.dates import said
from workflow.core.decide import acting_role
from workflow.core.guards import Actor
from workflow.errors import BoxSessionRefused
from workflow.store.port_channels import BoxSessionRecord


def intake_roles(definition) -> tuple[str, ...]:
    """The roles that record complaints on ``definition`` (those acting in its initial state)."""
    return tuple(definition.states[definition.initial].actors)


def channel_of(rt, definition, code: str | None) -> BoxChannel:
    found = box_channels(definition, rt.catalogs)
    for channel in found:
        if code in (None, "", channel.code):
            return channel
    raise BoxSessionRefused(f"SOP '{definition.title}' tidak mencatat pengaduan dari kotak pengaduan "
                            "(tidak ada kanal dengan tanggal pembukaan kotak di formulirnya)")


def _require_intake(definition, actor: Actor) -> str:
    roles = intake_roles(definition)
    if not actor.roles & set(roles):
        raise BoxSessionRefused("hanya petugas yang mencatat pengaduan pada SOP ini yang dapat membuka atau menutup "
                                "sesi kotak pengaduan")
    return acting_role(actor, roles)


def open_session(rt, actor: Actor, definition_key: str, day: date, channel: str | None = None,
                 now: datetime | None = None) -> BoxSessionRecord:
    """A new session for ``day``; refused (in Indonesian, saying why) for a day the box is not opened, a day
    still to come, a day that has a session already, or someone who does not record complaints."""
    now = now or rt.engine.now()
    definition = rt.engine.definition(definition_key)
    _require_intake(definition, actor)
    box = channel_of(rt, definition, channel)
    today = now.astimezone(OFFICE_TZ).date()
    try:
        check_opening(definition, box, day, today)
    except ValueError as exc:
        raise BoxSessionRefused(str(exc)) from None
    record = BoxSessionRecord(id=None, definition_key=definition.key, channel=box.code, opened_on=day,
                              opened_by=actor.id, opened_at=now)
    with rt.store.unit_of_work() as uow:
        new_id = uow.box_sessions.add(record)
        if new_id is None:
            raise BoxSessionRefused(f"sesi kotak pengaduan {said(day)} sudah ada; buka sesi itu dari daftar sesi")
        uow.commit()
    return BoxSessionRecord(**{**record.__dict__, "id": new_id})


def session_view(rt, session_id: int) -> tuple[BoxSessionRecord, BoxChannel, list[tuple[int, str]]]:
    """The session, its channel and the complaints recorded from it so far."""
    with rt.store.unit_of_work(read_only=True) as uow:
        session = uow.box_sessions.get(session_id)
        if session is None:
            raise BoxSessionRefused(f"tidak ada sesi kotak pengaduan nomor {session_id}")
        box = channel_of(rt, rt.engine.definition(session.definition_key), session.channel)
        return session, box, uow.box_sessions.recorded(session, box.field)


def close_session(rt, actor: Actor, session_id: int, forms_found: int, note: str = "",
                  now: datetime | None = None) -> BoxSessionRecord:
    """Close the session with the number of forms found: one audited ``box_session`` event with the day, the
    forms, the receipts recorded and the note. Refused when the numbers do not add up (see
    `workflow.core.box.check_closing`) or the session was closed already."""
    now = now or rt.engine.now()
    note = (note or "").strip()[:2000]
    with rt.store.unit_of_work() as uow:
        session = uow.box_sessions.get(session_id)
        if session is None:
            raise BoxSessionRefused(f"tidak ada sesi kotak pengaduan nomor {session_id}")
        definition = rt.engine.definition(session.definition_key)
        role = _require_intake(definition, actor)
        box = channel_of(rt, definition, session.channel)
        recorded = uow.box_sessions.recorded(session, box.field)
        try:
            check_closing(forms_found, len(recorded), note)
        except ValueError as exc:
            raise BoxSessionRefused(str(exc)) from None
        if not uow.box_sessions.close(session_id, forms_found, note, actor.id, now):
            raise BoxSessionRefused("sesi ini sudah ditutup; muat ulang halamannya")
        uow.audit.append([AuditEvent(
            kind="box_session", at=now, actor_id=actor.id, actor_role=role, definition_key=definition.key,
            definition_version=definition.version,
            detail={"tanggal": session.opened_on.isoformat(), "kanal": session.channel, "formulir": forms_found,
                    "tercatat": [receipt for _, receipt in recorded], "catatan": note,
                    "dibuka_oleh": session.opened_by})])
        uow.commit()
    return BoxSessionRecord(**{**session.__dict__, "forms_found": forms_found, "note": note, "closed_by": actor.id,
                               "closed_at": now})


def recent_sessions(rt, limit: int = 50) -> list[BoxSessionRecord]:
    with rt.store.unit_of_work(read_only=True) as uow:
        return uow.box_sessions.recent(limit)


__all__ = ["open_session", "close_session", "session_view", "recent_sessions", "intake_roles", "channel_of"]
