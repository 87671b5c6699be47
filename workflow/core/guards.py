"""The guard registry: named conditions a definition may put on a transition.

Guards are looked up by name when a definition loads (an unknown name is a validation error), never
imported from dotted paths at fire time. Each guard returns a verdict *and* a reason in Indonesian
so the console can show an officer why a button is disabled, and the audit can record it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from workflow.spec.guards import SIGNATURES
from workflow.spec.model import GuardRef


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user id, the roles they hold, (for OPD liaisons) their OPD, and (for supervisors)
    the supervisor role they speak as where no transition names one (an audited identity view)."""

    id: str
    roles: frozenset[str]
    name: str = ""
    opd: str | None = None
    position: str | None = None

    @classmethod
    def system(cls) -> "Actor":
        return cls(id="system", roles=frozenset({"system"}), name="Sistem")


def actor_roles(roles, supervisor_level: int | None, directory=None) -> frozenset[str]:
    """A user's stored roles -> the role names definitions use: a console ``supervisor`` of level N also acts
    as every role the published definitions declare at level N (``directory``, a
    `workflow.core.roles.RoleDirectory`; without one, the stored roles as they are)."""
    from workflow.core.roles import RoleDirectory

    return (directory or RoleDirectory()).actor_roles(roles, supervisor_level)


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: the ticket's fields and placement, the actor, this fire's inputs."""

    state: str
    fields: Mapping[str, Any]
    actor: Actor
    inputs: Mapping[str, Any] = field(default_factory=dict)
    opd: str | None = None
    assignee: str | None = None
    entered: Mapping[str, datetime] = field(default_factory=dict)  # state -> last entry time
    now: datetime | None = None
    elapsed: Callable[[datetime, datetime, str], float] | None = None  # calendar arithmetic

    def value(self, name: str) -> Any:
        if name in self.inputs:
            return self.inputs[name]
        if name == "opd":
            return self.opd
        return self.fields.get(name)


@dataclass(frozen=True)
class Verdict:
    guard: str
    passed: bool
    reason: str
    reason_en: str = ""



def _show(value: Any) -> str:
    return "(kosong)" if value in (None, "", [], ()) else str(value)


def _field_in(ctx: GuardContext, p: Mapping[str, Any]) -> tuple[bool, str]:
    value = ctx.value(p["field"])
    ok = value in p["values"]
    return ok, f"{p['field']} = {_show(value)}, harus salah satu dari {', '.join(map(str, p['values']))}"


def _field_not_in(ctx: GuardContext, p: Mapping[str, Any]) -> tuple[bool, str]:
    value = ctx.value(p["field"])
    ok = value not in p["values"]
    return ok, f"{p['field']} = {_show(value)}, tidak boleh {', '.join(map(str, p['values']))}"


def _field_present(ctx: GuardContext, p: Mapping[str, Any]) -> tuple[bool, str]:
    value = ctx.value(p["field"])
    return value not in (None, "", [], ()), f"{p['field']} harus diisi"


def _field_absent(ctx: GuardContext, p: Mapping[str, Any]) -> tuple[bool, str]:
    value = ctx.value(p["field"])
    return value in (None, "", [], ()), f"{p['field']} harus kosong (sekarang {_show(value)})"


def _opd_assigned(ctx: GuardContext, p: Mapping[str, Any]) -> tuple[bool, str]:
    return ctx.opd is not None, "pengaduan belum diserahkan ke OPD"


def _no_opd_assigned(ctx: GuardContext, p: Mapping[str, Any]) -> tuple[bool, str]:
    return ctx.opd is None, f"pengaduan sedang di OPD {_show(ctx.opd)}"


def _actor_is_assignee(ctx: GuardContext, p: Mapping[str, Any]) -> tuple[bool, str]:
    ok = ctx.assignee is None or ctx.assignee == ctx.actor.id
    return ok, f"pengaduan ditugaskan kepada {_show(ctx.assignee)}, bukan Anda"


def _actor_in_ticket_opd(ctx: GuardContext, p: Mapping[str, Any]) -> tuple[bool, str]:
    if "opd_liaison" not in ctx.actor.roles:
        return True, "bukan penghubung OPD"
    ok = ctx.opd is not None and ctx.actor.opd == ctx.opd
    return ok, f"pengaduan ini untuk OPD {_show(ctx.opd)}, Anda penghubung {_show(ctx.actor.opd)}"


def _within(ctx: GuardContext, p: Mapping[str, Any]) -> tuple[bool, str]:
    since = ctx.entered.get(p["since"])
    if since is None or ctx.now is None:
        return False, f"belum pernah berada di tahap {p['since']}"
    if ctx.elapsed is None:
        spent = (ctx.now - since).total_seconds() / 86400.0
        if p["unit"] == "working_hours":
            spent *= 24
    else:
        spent = ctx.elapsed(since, ctx.now, p["unit"])
    ok = spent <= float(p["amount"])
    return ok, f"batas {p['amount']} {p['unit']} sejak tahap {p['since']} sudah lewat"


#: What each guard of the vocabulary (`workflow.spec.guards.SIGNATURES`) decides: (passed, reason).
CHECKS: dict[str, Callable[[GuardContext, Mapping[str, Any]], tuple[bool, str]]] = {
    "field_in": _field_in,
    "field_not_in": _field_not_in,
    "field_present": _field_present,
    "field_absent": _field_absent,
    "opd_assigned": _opd_assigned,
    "no_opd_assigned": _no_opd_assigned,
    "actor_is_assignee": _actor_is_assignee,
    "actor_in_ticket_opd": _actor_in_ticket_opd,
    "within": _within,
}
if set(CHECKS) != set(SIGNATURES):  # a guard definitions may name must have a check, and no check goes unnamed
    raise RuntimeError(f"guards without a check or a signature: {sorted(set(CHECKS) ^ set(SIGNATURES))}")


def evaluate(ref: GuardRef, ctx: GuardContext, words=None) -> Verdict:
    """Run one guard; the reason always describes the condition that must hold. With ``words`` (a
    `workflow.core.reasons.Wording` of the transition), a refusal is said as a person would, in Indonesian
    and English, with the definition's labels."""
    ok, reason = CHECKS[ref.name](ctx, ref.params)
    if ref.negate:
        ok = not ok
        reason = f"tidak boleh: {reason}" if ok is False else reason
    if ok or words is None:
        return Verdict(guard=ref.describe(), passed=ok, reason=reason, reason_en=reason)
    said, said_en = words.say(ref, ctx, reason)
    return Verdict(guard=ref.describe(), passed=ok, reason=said, reason_en=said_en)


__all__ = ["actor_roles", "Actor", "GuardContext", "Verdict", "CHECKS", "evaluate"]
