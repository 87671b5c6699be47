"""The office's agencies: the shipped catalog (``definitions/catalog/opd.yaml``) extended by the office.

An office hands complaints to more than its province's OPDs: a camat, a kepala desa, the inspektorat, a
vertical agency. Supervisors add them (the console's Instansi page, ``alur agencies add``), or amend a
shipped agency with its contacts (a row with the same code keeps the catalog's entry and adds to it).
The runtime's ``catalogs["opd"]`` is the merge (`with_agencies`), so every place that knows agencies
knows these: ``opd`` fields and their validation (D230), liaisons' accounts (``alur users add --opd``),
labels in the console and reports, and the transfer of a complaint to the competent agency (the entry's
``extra`` holds ``email``, ``phone`` and ``webhook_url``).

Agencies are never deleted (tickets keep naming them): an inactive one keeps its label but is no longer
offered. Every change is one unit of work with an audit row (kind ``agency``).
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from workflow.core.audit import AuditEvent
from workflow.core.office import EMAIL_RE, PHONE_RE
from workflow.errors import OfficeError
from workflow.spec.catalog import Catalog, Catalogs, Entry
from workflow.store.port_office import AgencyRecord

KINDS = {
    "opd": ("Perangkat daerah (OPD)", "Regional agency"),
    "camat": ("Kecamatan (camat)", "District head"),
    "kepala_desa": ("Desa / kelurahan", "Village head"),
    "inspektorat": ("Inspektorat", "Inspectorate"),
    "instansi_vertikal": ("Instansi vertikal", "Central government office"),
    "bumd": ("BUMD", "Regional enterprise"),
    "lainnya": ("Lainnya", "Other"),
}
CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def with_agencies(catalogs: Catalogs, records: Iterable[AgencyRecord]) -> Catalogs:
    """A copy of ``catalogs`` whose ``opd`` catalog also holds the office's agencies (never changes the
    catalogs given: the shipped ones are shared by every runtime of the process)."""
    merged = Catalogs(catalogs)
    base = catalogs.get("opd")
    entries: dict[str, Entry] = dict(base.entries) if base is not None else {}
    for r in records:
        shipped = entries.get(r.code)
        extra = {**(dict(shipped.extra) if shipped else {}), "kind": r.kind, "email": r.email, "phone": r.phone,
                 "webhook_url": r.webhook_url, "active": r.active, "source": "catalog" if shipped else "office"}
        entries[r.code] = Entry(code=r.code, label=r.label or (shipped.label if shipped else r.code),
                                label_en=r.label_en or (shipped.label_en if shipped else ""),
                                aliases=shipped.aliases if shipped else (), extra=extra)
    merged["opd"] = Catalog(key="opd", label=base.label if base else "Instansi",
                            label_en=base.label_en if base else "Agency", entries=entries)
    return merged


def refresh_agencies(runtime) -> Catalogs:
    """Rebuild the runtime's catalogs from the shipped ones it started with and the stored agencies."""
    base = runtime.extras.setdefault("catalog_base", runtime.catalogs)
    with runtime.store.unit_of_work(read_only=True) as uow:
        records = uow.agencies.all()
    merged = with_agencies(base, records)
    runtime.catalogs = merged
    runtime.engine.catalogs = merged
    runtime.engine.definitions.catalogs = merged  # definitions loaded later validate their agency lists here
    return merged


def list_agencies(runtime) -> list[dict[str, Any]]:
    """Every agency the office can hand a complaint to, catalog and office ones, with where each came from."""
    catalog = runtime.catalogs.get("opd")
    out = []
    for entry in (catalog.entries.values() if catalog is not None else ()):
        extra = entry.extra or {}
        out.append({"code": entry.code, "label": entry.label, "label_en": entry.label_en,
                    "kind": extra.get("kind", "opd"), "email": extra.get("email"), "phone": extra.get("phone"),
                    "webhook_url": extra.get("webhook_url"), "active": extra.get("active", True),
                    "source": extra.get("source", "catalog")})
    return out


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("label", "label_en", "kind", "email", "phone", "webhook_url"):
        if name in data:
            value = " ".join(str(data[name] or "").split())
            out[name] = value or None
    if out.get("kind") and out["kind"] not in KINDS:
        raise OfficeError(f"kind: '{out['kind']}' is not one of {', '.join(KINDS)}")
    if out.get("email") and not EMAIL_RE.match(out["email"]):
        raise OfficeError(f"email: '{out['email']}' is not an email address")
    if out.get("phone") and not PHONE_RE.match(out["phone"]):
        raise OfficeError(f"phone: '{out['phone']}' is not a telephone number")
    if out.get("webhook_url") and not re.match(r"^https?://[^\s]+$", out["webhook_url"]):
        raise OfficeError("webhook_url: give an http(s) address, e.g. https://kecamatan.example.go.id/pengaduan")
    for name, limit in (("label", 300), ("label_en", 300), ("webhook_url", 500)):
        if out.get(name) and len(out[name]) > limit:
            raise OfficeError(f"{name}: at most {limit} characters")
    return out


def save_agency(runtime, code: str, data: Mapping[str, Any], *, actor_id: str,
                now: datetime | None = None) -> AgencyRecord:
    """Add an agency, or change one (a shipped agency's code amends it); audited; OfficeError says what to fix."""
    now = now or datetime.now(timezone.utc)
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise OfficeError(f"'{code}' is not an agency code: lower-case letters, digits and _, starting with a "
                          "letter (e.g. camat_cikupa)")
    values = _clean(data)
    shipped = runtime.extras.get("catalog_base", runtime.catalogs).get("opd")
    with runtime.store.unit_of_work() as uow:
        found = uow.agencies.get(code)
        if found is None and not values.get("label") and not (shipped and code in shipped):
            raise OfficeError(f"a new agency needs a name: add --label (e.g. \"Camat Cikupa\") for '{code}'")
        record = found or AgencyRecord(code=code, label="", created_by=actor_id, created_at=now)
        changes = dict(values)
        if not changes.get("label"):  # an empty name keeps the one there is (or the catalog's)
            changes.pop("label", None)
        changes["kind"] = changes.get("kind") or record.kind
        record = replace(record, **changes, active=bool(data["active"]) if "active" in data else record.active,
                         updated_at=now)
        uow.agencies.put(record)
        uow.audit.append([AuditEvent(kind="agency", at=now, actor_id=actor_id, actor_role="supervisor",
                                     detail={"code": code, "added": found is None,
                                             "values": {**values, "active": record.active}})])
        uow.commit()
    refresh_agencies(runtime)
    return record


def import_agencies(runtime, path: str | Path, *, actor_id: str, now: datetime | None = None) -> int:
    """Add or amend the agencies a YAML file lists (``agencies:`` or ``entries:`` of ``{code, label, …}``)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise OfficeError(f"{path}: cannot read the agencies ({exc})") from None
    items = (data.get("agencies") or data.get("entries") or []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise OfficeError(f"{path}: list the agencies under 'agencies:' as {{code, label, kind, email}}")
    for item in items:
        if not isinstance(item, dict) or "code" not in item:
            raise OfficeError(f"{path}: every agency needs a code and a label")
        save_agency(runtime, str(item["code"]), {k: v for k, v in item.items() if k != "code"}, actor_id=actor_id,
                    now=now)
    return len(items)


__all__ = ["KINDS", "with_agencies", "refresh_agencies", "list_agencies", "save_agency", "import_agencies"]
