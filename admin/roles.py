"""What a signed-in user may open in the console, from the roles they hold and the published definitions.

Stored roles (`workflow.core.roles`) are the console's own (``admin``, ``auditor``, ``supervisor`` with a
level) and any role a published definition declares. Pages are guarded by *console* roles, derived here
once per request, so no page names a definition's role:

* ``supervisor`` -- the user holds a role with a ``supervisor_level`` (or the console's ``supervisor``);
  ``top_supervisor`` when that level is the highest the definitions declare (the head of office, who
  also reads the audit trail);
* `CASE` -- the user works on tickets: holds any definition role other than the agency liaison's, or is
  a supervisor;
* `INTAKE` -- the user records complaints at the desk: holds a role that acts in a definition's initial
  state;
* ``opd_liaison``, ``admin``, ``auditor`` -- as stored.

The derived names contain a colon, which no definition role can (role keys are identifiers), so they
never collide with a definition's roles.
"""
from __future__ import annotations

from dataclasses import dataclass

from workflow.core.roles import CONSOLE_LABELS, LIAISON, RoleDirectory

CASE = "console:case"
INTAKE = "console:intake"
#: Every console role a signed-in user can have: pages open to everyone list these.
ANY_ROLE = frozenset({"admin", "auditor", "supervisor", LIAISON, CASE, INTAKE})


@dataclass(frozen=True)
class Access:
    """A user's console roles, engine roles and supervisor standing."""

    roles: frozenset[str]  # console roles (stored ones plus the derived ones above)
    acts_as: frozenset[str]  # the roles the engine sees (`workflow.core.guards.Actor.roles`)
    level: int | None  # supervisor level, None for non-supervisors
    position: str | None  # the supervisor role named in audit rows
    top_supervisor: bool


def access(stored, supervisor_level: int | None, directory: RoleDirectory) -> Access:
    acts = directory.actor_roles(stored, supervisor_level)
    level = directory.level_of(stored, supervisor_level)
    console = set(stored)
    if level is not None:
        console.add("supervisor")
    if level is not None or (acts - {LIAISON, "admin", "auditor", "supervisor"}):
        console.add(CASE)
    if any(directory.roles[r].intake for r in acts if r in directory.roles):
        console.add(INTAKE)
    levels = directory.levels()
    top = level is not None and level >= (max(levels) if levels else level)
    return Access(frozenset(console), acts, level, directory.position(stored, supervisor_level), top)


class _Labels(dict):
    """A role no published definition declares any more is shown by its key."""

    def __missing__(self, key: str) -> tuple[str, str]:
        return (key, key)


def role_labels(directory: RoleDirectory) -> dict[str, tuple[str, str]]:
    """(Indonesian, English) label of every role that can be given, for the users pages."""
    labels = _Labels(CONSOLE_LABELS)
    for key, role in directory.roles.items():
        labels[key] = (role.label, role.label_en or role.label)
    return labels


def shown_roles(user) -> list[str]:
    """The roles a signed-in user is shown to hold: what the engine sees them as, the console's admin and
    auditor, and "supervisor" only when no definition names their position."""
    shown = set(user.acts_as) | (set(user.roles) & {"admin", "auditor"})
    if user.position:
        shown.discard("supervisor")
    return sorted(shown)


__all__ = ["CASE", "INTAKE", "ANY_ROLE", "Access", "access", "role_labels", "shown_roles"]
