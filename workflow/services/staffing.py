"""Is a definition staffed? Warnings (never refusals) for roles and agencies that nobody can act for.

A definition may be valid and still stall: a ticket waits in a state whose role no active user holds, or
at an agency no active liaison belongs to. `alur definitions validate` / `publish` and the console's
definitions page show these warnings; publishing goes ahead (an office publishes first and staffs after).

A role counts as held when an active user holds it directly, or holds the console's ``supervisor`` role
at the role's ``supervisor_level`` (`workflow.core.roles.RoleDirectory.actor_roles`); the levels are
those of the published definitions *and* the definition being checked, so a draft's new supervisor role
is judged as it will be once published. Agencies are those an ``opd`` field lists in its ``options`` (a
field without options offers the whole catalog, where an unstaffed agency is normal).
"""
from __future__ import annotations

from dataclasses import dataclass

from workflow.core.roles import COMPLAINANT, LIAISON, RoleDirectory
from workflow.services.roles import published_definitions
from workflow.spec.model import Definition


@dataclass(frozen=True)
class StaffingWarning:
    kind: str  # role | agency
    code: str
    label: str
    message: str  # Indonesian
    message_en: str

    def __str__(self) -> str:
        return self.message_en


def staffing_warnings(store, definition: Definition, catalogs=None) -> list[StaffingWarning]:
    """The roles and agencies of ``definition`` that no active user can act for (empty: fully staffed)."""
    published = [d for d in published_definitions(store) if d.key != definition.key]
    directory = RoleDirectory.from_definitions([*published, definition])
    with store.unit_of_work(read_only=True) as uow:
        active = [u for u in uow.users.all() if u.active]
    held: set[str] = set()
    for user in active:
        held |= directory.actor_roles(user.roles, user.supervisor_level)
    out = []
    for role in definition.roles.values():
        if role.system or role.key == COMPLAINANT or role.key in held:
            continue
        out.append(StaffingWarning(
            "role", role.key, role.label,
            f"peran '{role.label}' ({role.key}) belum dipegang pengguna aktif mana pun: pengaduan yang menunggu "
            f"peran ini tidak akan ditangani. Beri peran dengan 'alur users add NAMA --role {role.key}' atau "
            "halaman Pengguna.",
            f"role '{role.label}' ({role.key}) is held by no active user: tickets waiting for it would wait for "
            f"nobody. Give it with 'alur users add NAME --role {role.key}' or the console's Users page."))
    liaisons = {u.opd for u in active if LIAISON in u.roles and u.opd}
    opd = catalogs.get("opd") if catalogs is not None else None
    for code in _listed_agencies(definition):
        if code in liaisons:
            continue
        label = opd.label_of(code) if opd is not None else code
        out.append(StaffingWarning(
            "agency", code, label,
            f"instansi '{label}' ({code}) belum punya penghubung aktif: serahan ke instansi ini tidak akan "
            f"dikonfirmasi. Tambahkan dengan 'alur users add NAMA --role {LIAISON} --opd {code}'.",
            f"agency '{label}' ({code}) has no active liaison: handoffs to it would not be acknowledged. Add one "
            f"with 'alur users add NAME --role {LIAISON} --opd {code}'."))
    return out


def _listed_agencies(definition: Definition) -> list[str]:
    fields = list(definition.record) + [f for t in definition.transitions for f in t.inputs]
    return list(dict.fromkeys(code for f in fields if f.type == "opd" for code in f.options))


__all__ = ["StaffingWarning", "staffing_warnings"]
