"""Who hears what: expand an outbox row's recipient spec into concrete targets (pure).

An outbox row names its audience by *spec*, as the definition's ``notify`` effects and escalation rungs
do; this module turns the spec into one `Target` per address and channel, from the ticket and the list
of active staff users. It reads no database and sends nothing, so the rules below are tested directly.

====================  =====================================================================================
spec                  targets
====================  =====================================================================================
``pemohon``           the complainant's email (channel ``email``) and telephone (channel ``webhook``, the
                      WhatsApp/SMS gateway), in Indonesian. Anonymous and confidential complaints are still
                      notified: anonymity hides the complainant from others, not from themselves. Opted out
                      (``tanpa_notifikasi``) or no contact at all: one skipped target with the reason.
``assignee``          the assigned user if the ticket has one; else every holder of the assignee role; else
                      (nobody assigned yet) the holders of the roles acting in the ticket's current state.
``role:<role>``       every active user holding ``<role>`` (``users.roles`` is comma-separated).
``opd``               active users with role ``opd_liaison`` whose ``users.opd`` is the ticket's OPD.
``escalation_target`` holders of ``detail["target_role"]``.
``user:<id>``         that user (by id or username).
``opd:<code>``        the liaisons of agency ``<code>`` (a handoff's part, `workflow.core.handoffs`).
``field:<name>``      a third party whose address the ticket's field holds: an email address (``email``) or a
                      phone number (``webhook``, the WhatsApp/SMS gateway), in Indonesian; audience
                      ``pihak``: the ticket's facts, never the complainant's identity.
``agency:<name>``     the contact the office keeps for the agency the field names (``contacts``): its email
                      (``email``) and its own webhook (``agency_webhook``); audience ``instansi``.
====================  =====================================================================================

Staff always get an in-app message (channel ``inapp``, recipient = the user id) plus an email when they
have an address, in their own locale. A spec that reaches nobody yields one skipped target (channel
``none``) whose reason says why, so the delivery log shows a notice that went nowhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from workflow.core.guards import actor_roles
from workflow.store.port import UserRecord

__all__ = ["StaffUser", "Target", "expand_recipients", "opted_out", "user_locale", "SKIPPED", "PEMOHON", "THIRD_PARTY",
           "AGENCY", "AGENCY_WEBHOOK"]

SKIPPED = "none"  # channel of a target that is recorded but not sent
PEMOHON = "pemohon"
THIRD_PARTY = "pihak"  # someone the definition names by a field (a reported business, a village head)
AGENCY = "instansi"  # an agency outside the office, by the contact the office keeps for it
AGENCY_WEBHOOK = "agency_webhook"  # the channel that posts to an agency's own webhook URL
LIAISON_ROLE = "opd_liaison"
_TRUE = {"1", "true", "ya", "yes", "y", "on"}


@dataclass(frozen=True)
class StaffUser:
    """The parts of a staff account that decide delivery."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    opd: str | None = None
    email: str | None = None
    locale: str = "id"
    active: bool = True

    @classmethod
    def from_record(cls, record: UserRecord, directory: Any = None) -> "StaffUser":
        """The account as delivery sees it (``uow.users`` gives the records)."""
        # a supervisor of level N also holds the roles the definitions declare at level N, as escalations name them
        roles = actor_roles(record.roles, record.supervisor_level, directory)
        return cls(id=int(record.id), username=record.username, display_name=record.display_name or record.username,
                   roles=roles, opd=record.opd, email=(record.email or "").strip() or None,
                   locale=user_locale(record.locale), active=bool(record.active))


@dataclass(frozen=True)
class Target:
    """One concrete message to render and deliver (or to record as skipped)."""

    channel: str  # email | webhook | agency_webhook | inapp | none
    recipient: str  # address, phone number, user id (inapp), or the spec (skipped)
    locale: str
    audience: str  # pemohon | staff | pihak | instansi: decides which context the template gets
    user: StaffUser | None = None
    skip_reason: str | None = None
    party: str | None = None  # the agency an ``instansi`` message goes to

    @property
    def skipped(self) -> bool:
        return self.skip_reason is not None


def user_locale(value: str | None) -> str:
    """Our templates exist in ``id`` and ``en``; anything else reads Indonesian."""
    return "en" if (value or "").lower().startswith("en") else "id"


def opted_out(ticket: Any) -> bool:
    """True when the complainant asked for no notifications (a record or identity field)."""
    for source in (ticket.identity, ticket.fields):
        value = source.get("tanpa_notifikasi")
        if value is True or (isinstance(value, str) and value.strip().lower() in _TRUE) or value == 1:
            return True
    return False


def expand_recipients(spec: str, ticket: Any, users: Iterable[StaffUser], *,
                      detail: Mapping[str, Any] | None = None,
                      fallback_roles: Iterable[str] = (),
                      contacts: Callable[[str], Mapping[str, Any] | None] | None = None) -> list[Target]:
    """The targets of ``spec`` for ``ticket``; see the module docstring for the rules.

    Args:
        users: staff users; inactive ones are ignored.
        detail: the outbox row's detail (``target_role`` for ``escalation_target``).
        fallback_roles: who acts in the ticket's current state, for ``assignee`` on an unassigned ticket.
        contacts: an agency code -> its contact (``email``, ``webhook_url``), for ``agency:<field>``.
    """
    detail = detail or {}
    active = [u for u in users if u.active]
    spec = (spec or "").strip()
    if spec == PEMOHON:
        return _complainant(ticket)
    if spec == "assignee":
        if ticket.assignee_id:
            found = _find_user(active, str(ticket.assignee_id))
            if found is None:
                return [_skip(spec, f"petugas yang ditugaskan ({ticket.assignee_id}) tidak ada atau tidak aktif")]
            return _staff([found])
        roles = [ticket.assignee_role] if ticket.assignee_role else [r for r in fallback_roles if r]
        if not roles:
            return [_skip(spec, "pengaduan belum ditugaskan kepada siapa pun")]
        return _staff(_holders(active, roles)) or [_skip(spec, _nobody(roles))]
    if spec.startswith("role:"):
        role = spec[len("role:"):].strip()
        return _staff(_holders(active, [role])) or [_skip(spec, _nobody([role]))]
    if spec == "opd":
        if not ticket.opd:
            return [_skip(spec, "pengaduan tidak sedang diserahkan kepada OPD mana pun")]
        liaisons = [u for u in active if LIAISON_ROLE in u.roles and u.opd == ticket.opd]
        return _staff(liaisons) or [_skip(spec, f"tidak ada penghubung OPD aktif untuk {ticket.opd}")]
    if spec == "escalation_target":
        role = detail.get("target_role")
        if not role:
            return [_skip(spec, "detail outbox tidak menyebut target_role eskalasi")]
        return _staff(_holders(active, [str(role)])) or [_skip(spec, _nobody([str(role)]))]
    if spec.startswith("opd:"):
        code = spec[len("opd:"):].strip()
        liaisons = [u for u in active if LIAISON_ROLE in u.roles and u.opd == code]
        return _staff(liaisons) or [_skip(spec, f"tidak ada penghubung aktif untuk instansi {code}")]
    if spec.startswith("field:"):
        return _third_party(spec, ticket)
    if spec.startswith("agency:"):
        return _agency(spec, ticket, contacts)
    if spec.startswith("user:"):
        found = _find_user(active, spec[len("user:"):].strip())
        return _staff([found]) if found else [_skip(spec, f"pengguna {spec[5:]} tidak ada atau tidak aktif")]
    return [_skip(spec or "?", f"penerima '{spec}' tidak dikenal (pemohon, assignee, opd, role:<peran>, "
                               "escalation_target, user:<id>)")]


def _third_party(spec: str, ticket: Any) -> list[Target]:
    """The address a field holds: an email is written to, anything else is a phone number for the gateway."""
    name = spec[len("field:"):].strip()
    value = str(ticket.fields.get(name) or ticket.identity.get(name) or "").strip()
    if not value:
        return [_skip(spec, f"isian {name} kosong: tidak ada alamat yang dapat dikirimi")]
    return [Target("email" if "@" in value else "webhook", value, "id", THIRD_PARTY)]


def _agency(spec: str, ticket: Any, contacts: Callable[[str], Mapping[str, Any] | None] | None) -> list[Target]:
    """The agency the field names, by the contact the office keeps for it (email, its own webhook)."""
    name = spec[len("agency:"):].strip()
    code = str(ticket.fields.get(name) or "").strip()
    if not code:
        return [_skip(spec, f"isian {name} kosong: tidak ada instansi yang dituju")]
    contact = (contacts(code) if contacts is not None else None) or {}
    targets = []
    if str(contact.get("email") or "").strip():
        targets.append(Target("email", str(contact["email"]).strip(), "id", AGENCY, party=code))
    if str(contact.get("webhook_url") or "").strip():
        targets.append(Target(AGENCY_WEBHOOK, str(contact["webhook_url"]).strip(), "id", AGENCY, party=code))
    return targets or [_skip(spec, f"instansi {code} belum punya kontak (email atau webhook); tambahkan di "
                                   "halaman Instansi atau dengan 'alur agencies'")]


def _complainant(ticket: Any) -> list[Target]:
    if opted_out(ticket):
        return [_skip(PEMOHON, "pemohon memilih tidak menerima notifikasi (tanpa_notifikasi)")]
    targets = []
    email = str(ticket.identity.get("email") or "").strip()
    phone = str(ticket.identity.get("telepon") or "").strip()
    if email:
        targets.append(Target("email", email, "id", PEMOHON))
    if phone:
        targets.append(Target("webhook", phone, "id", PEMOHON))
    return targets or [_skip(PEMOHON, "pemohon tidak mencantumkan email atau nomor telepon")]


def _staff(users: Iterable[StaffUser]) -> list[Target]:
    out: list[Target] = []
    seen: set[int] = set()
    for user in sorted(users, key=lambda u: u.id):
        if user.id in seen:
            continue
        seen.add(user.id)
        out.append(Target("inapp", str(user.id), user.locale, "staff", user))
        if user.email:
            out.append(Target("email", user.email, user.locale, "staff", user))
    return out


def _holders(users: Iterable[StaffUser], roles: Iterable[str]) -> list[StaffUser]:
    wanted = set(roles)
    return [u for u in users if u.roles & wanted]


def _find_user(users: Iterable[StaffUser], key: str) -> StaffUser | None:
    for user in users:
        if user.username == key or str(user.id) == key:
            return user
    return None


def _nobody(roles: Iterable[str]) -> str:
    return f"tidak ada pengguna aktif dengan peran {', '.join(roles)}"


def _skip(spec: str, reason: str) -> Target:
    return Target(SKIPPED, spec, "id", "none", skip_reason=reason)
