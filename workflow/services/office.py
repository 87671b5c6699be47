"""The office profile: read it, change it, give it a logo, and keep every process on the current one.

Who may change it: **supervisors** (the console's Profil kantor page; ``alur office set`` on the
server). The profile decides deadlines (time zone and office hours feed the working calendar) and what
the public reads (receipts, public pages, notifications, report titles), as the SOP and the calendar
do, which are supervisors' too; the administrator manages accounts only.

Each change is one unit of work with an audit row (kind ``office``: who, which settings, old and new
values). When the time zone or the hours change, the runtime's calendar is rebuilt and every running
clock's due time recomputed (`workflow.services.calendar.recompute_open_clocks`), audited per clock.
Other processes notice the change with one cheap query (`refresh_office`), as they do calendar edits.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import yaml

from workflow.core.audit import AuditEvent
from workflow.core.office import OfficeProfile, profile_from_data
from workflow.errors import OfficeError
from workflow.store.port_office import Logo

logger = logging.getLogger(__name__)

MAX_LOGO = 256 * 1024  # bytes: a letterhead logo, not a photograph
#: What a logo may be, recognised by its first bytes (never by its name or the browser's word for it).
#: SVG is refused: it is a document that can carry script, and the receipt is printed from a browser.
LOGO_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
              (b"GIF89a", "image/gif"))
_CALENDAR_KEYS = ("timezone", "hours", "dated_hours")


def profile_of(stored) -> OfficeProfile:
    """The profile a stored record holds (`OfficeProfile()` when none is stored or it no longer reads)."""
    if stored is None:
        return OfficeProfile()
    try:
        return replace(profile_from_data(stored.data), logo_type=stored.logo_type)
    except OfficeError:  # a setting a newer release wrote: keep running on the defaults, say so
        logger.warning("the stored office profile does not read; using the defaults", exc_info=True)
        return OfficeProfile()


def load_profile(store) -> OfficeProfile:
    with store.unit_of_work(read_only=True) as uow:
        return profile_of(uow.office.get())


def current_office(runtime) -> OfficeProfile:
    """The runtime's profile, read once and kept until `refresh_office` sees a change."""
    profile = runtime.extras.get("office_profile")
    if profile is None:
        try:
            profile = load_profile(runtime.store)
        except Exception:  # noqa: BLE001 - no schema yet (before 'alur db upgrade'): a nameless office
            return OfficeProfile()
        runtime.extras["office_profile"] = profile
    return profile


def set_profile(runtime, changes: Mapping[str, Any], *, actor_id: str, now: datetime | None = None,
                replace_all: bool = False) -> OfficeProfile:
    """Change the settings named in ``changes`` (all of them with ``replace_all``), audited; OfficeError
    (nothing written) says what is wrong. Recomputes running clocks when the calendar settings change."""
    now = now or datetime.now(timezone.utc)
    with runtime.store.unit_of_work() as uow:
        before = profile_of(uow.office.get())
        after = profile_from_data(changes, None if replace_all else before)
        old, new = before.to_data(), after.to_data()
        changed = sorted(k for k in new if new[k] != old.get(k))
        if not changed:
            return after
        uow.office.put(new, now, actor_id)
        uow.audit.append([AuditEvent(kind="office", at=now, actor_id=actor_id, actor_role="supervisor",
                                     detail={"changed": changed, "from": {k: old.get(k) for k in changed},
                                             "to": {k: new[k] for k in changed}})])
        uow.commit()
    runtime.extras["office_profile"] = after
    if any(k in changed for k in _CALENDAR_KEYS):
        _recalendar(runtime, now, changed)
    return after


def _recalendar(runtime, now: datetime, changed: list[str]) -> None:
    from workflow.services.calendar import recompute_open_clocks

    runtime.reload_calendar()
    recompute_open_clocks(runtime, why="profil kantor diubah: " + ", ".join(k for k in changed if k in _CALENDAR_KEYS),
                          now=now)


def load_profile_file(runtime, path: str | Path, *, actor_id: str, now: datetime | None = None) -> OfficeProfile:
    """Set the whole profile from a YAML file (the shipped example office, or an office's own)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise OfficeError(f"{path}: cannot read the office profile ({exc})") from None
    if not isinstance(data, dict):
        raise OfficeError(f"{path}: an office profile is a mapping of name: value")
    data.pop("agencies", None)  # the file may list the office's agencies too (workflow.services.agencies)
    return set_profile(runtime, data, actor_id=actor_id, now=now, replace_all=True)


def sniff_logo(data: bytes) -> str:
    """The image type of ``data`` by its first bytes; OfficeError for anything else or too large."""
    if not data:
        raise OfficeError("the logo file is empty")
    if len(data) > MAX_LOGO:
        raise OfficeError(f"the logo is {len(data) // 1024} KB; at most {MAX_LOGO // 1024} KB: save it smaller "
                          "(a PNG of about 300 px wide is plenty)")
    for magic, content_type in LOGO_TYPES:
        if data.startswith(magic):
            return content_type
    raise OfficeError("the logo must be a PNG, JPEG or GIF image (SVG and other files are refused)")


def set_logo(runtime, data: bytes | None, *, actor_id: str, now: datetime | None = None) -> Logo | None:
    """Store a new logo (None removes it), audited; OfficeError for a file that is not a small image."""
    now = now or datetime.now(timezone.utc)
    logo = Logo(data, sniff_logo(data), hashlib.sha256(data).hexdigest()) if data is not None else None
    with runtime.store.unit_of_work() as uow:
        uow.office.set_logo(logo, now, actor_id)
        uow.audit.append([AuditEvent(kind="office", at=now, actor_id=actor_id, actor_role="supervisor",
                                     detail={"changed": ["logo"], "to": {"logo": logo.sha256 if logo else None}})])
        uow.commit()
    runtime.extras.pop("office_profile", None)
    return logo


def get_logo(store) -> Logo | None:
    with store.unit_of_work(read_only=True) as uow:
        return uow.office.logo()


def refresh_office(runtime) -> bool:
    """Reload the profile, the agencies and the calendar if another process changed them; one query when
    nothing changed. Called per web request and by sweeps and workers (as `refresh_calendar` is)."""
    try:
        with runtime.store.unit_of_work(read_only=True) as uow:
            stamp = uow.office.stamp()
    except Exception:  # noqa: BLE001 - no schema yet: nothing to refresh
        return False
    known = runtime.extras.get("office_stamp")
    if known == stamp:
        return False
    runtime.extras["office_stamp"] = stamp
    runtime.extras.pop("office_profile", None)
    from workflow.services.agencies import refresh_agencies

    refresh_agencies(runtime)
    if known is not None:
        runtime.reload_calendar()
        logger.info("office profile or agencies changed; reloaded")
    return True


__all__ = ["MAX_LOGO", "profile_of", "load_profile", "current_office", "set_profile", "load_profile_file",
           "sniff_logo", "set_logo", "get_logo", "refresh_office"]
