"""Who can hold which role: the roles the published definitions declare, and the console's own.

A user's stored roles (``users.roles``) are of two kinds:

* **definition roles** -- any role a published definition declares (``petugas``, ``tim_lapangan``,
  ``kepala_seksi`` …), except the engine's own: ``system: true`` roles and ``pemohon`` (the complainant,
  who acts on the public tracking page). A role with ``supervisor_level`` makes its holder a supervisor
  of that level; ``opd_liaison`` binds its holder to one agency.
* **console roles** -- ``admin`` (accounts), ``auditor`` (the audit trail) and ``supervisor`` with a
  level N, which acts as every role some published definition declares with ``supervisor_level: N``.

No role name carries meaning here beyond those three, ``pemohon`` and ``opd_liaison``: which roles are
supervisors, and of which level, is read from the definitions (`RoleDirectory.from_definitions`).
Pure: the model only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Mapping

COMPLAINANT = "pemohon"
LIAISON = "opd_liaison"
CONSOLE_ROLES = ("admin", "supervisor", "auditor")
CONSOLE_LABELS = {"admin": ("Administrator", "Administrator"), "supervisor": ("Pimpinan", "Supervisor"),
                  "auditor": ("Auditor", "Auditor")}


@dataclass(frozen=True)
class DeclaredRole:
    """A role as the published definitions declare it (labels of the newest version that declares it)."""

    key: str
    label: str
    label_en: str = ""
    supervisor_level: int | None = None
    definitions: tuple[str, ...] = ()  # definition keys that declare it
    intake: bool = False  # acts in an initial state: may record a new complaint on the console


@dataclass(frozen=True)
class RoleDirectory:
    """Every assignable definition role of the published definitions, and their supervisor levels."""

    roles: Mapping[str, DeclaredRole] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_definitions(cls, definitions: Iterable) -> "RoleDirectory":
        """From definition versions, oldest first (a newer version's labels win); system roles and the
        complainant left out."""
        found: dict[str, DeclaredRole] = {}
        for d in definitions:
            initial = d.states.get(d.initial) if any(s.initial for s in d.states.values()) else None
            intake = set(initial.actors) if initial is not None else set()
            for role in d.roles.values():
                if role.system or role.key == COMPLAINANT:
                    continue
                before = found.get(role.key)
                keys = tuple(dict.fromkeys((*(before.definitions if before else ()), d.key)))
                found[role.key] = DeclaredRole(
                    key=role.key, label=role.label or role.key, label_en=role.label_en,
                    supervisor_level=role.supervisor_level if role.supervisor_level is not None
                    else (before.supervisor_level if before else None),
                    definitions=keys, intake=role.key in intake or bool(before and before.intake))
        return cls(MappingProxyType(dict(sorted(found.items()))))

    def assignable(self) -> tuple[str, ...]:
        """Every role that can be given to a user: the console's, then the definitions' by key."""
        return CONSOLE_ROLES + tuple(k for k in self.roles if k not in CONSOLE_ROLES)

    def levels(self) -> tuple[int, ...]:
        """The supervisor levels the definitions declare, lowest first."""
        return tuple(sorted({r.supervisor_level for r in self.roles.values() if r.supervisor_level is not None}))

    def at_level(self, level: int | None) -> tuple[str, ...]:
        return tuple(k for k, r in self.roles.items() if level is not None and r.supervisor_level == level)

    def level_of(self, stored: Iterable[str], supervisor_level: int | None = None) -> int | None:
        """A user's supervisor level: the highest of the supervisor roles they hold, or the console
        ``supervisor`` role's level; None for someone who is not a supervisor."""
        stored = set(stored)
        levels = [self.roles[r].supervisor_level for r in stored if r in self.roles
                  and self.roles[r].supervisor_level is not None]
        if "supervisor" in stored and supervisor_level is not None:
            levels.append(supervisor_level)
        return max(levels) if levels else None

    def actor_roles(self, stored: Iterable[str], supervisor_level: int | None = None) -> frozenset[str]:
        """A user's stored roles -> the role names definitions use: ``supervisor`` of level N also acts as
        every definition role of level N."""
        out = {r.strip() for r in stored if r and r.strip()}
        if "supervisor" in out:
            out.update(self.at_level(supervisor_level))
        return frozenset(out)

    def position(self, stored: Iterable[str], supervisor_level: int | None = None) -> str | None:
        """The supervisor role a user speaks as in the audit trail (the highest they hold), if any."""
        held = self.actor_roles(stored, supervisor_level)
        ranked = sorted((self.roles[r].supervisor_level or 0, r) for r in held if r in self.roles
                        and self.roles[r].supervisor_level is not None)
        return ranked[-1][1] if ranked else None

    def label(self, role: str, locale: str = "id") -> str:
        if role in CONSOLE_LABELS:
            return CONSOLE_LABELS[role][1 if locale == "en" else 0]
        found = self.roles.get(role)
        if found is None:
            return role
        return (found.label_en or found.label) if locale == "en" else found.label


__all__ = ["COMPLAINANT", "LIAISON", "CONSOLE_ROLES", "CONSOLE_LABELS", "DeclaredRole", "RoleDirectory"]
