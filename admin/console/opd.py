"""Pages of the OPD liaisons: the tickets handed to their agency, and the agency's moves.

A liaison sees only tickets whose ``opd`` is their own (any other id answers 404, so ticket numbers
of other agencies are not even confirmed), in every definition, and may fire only the transitions the
definitions give the liaison role (in the shipped SOP: acknowledge, answer, ask for clarification, or
return a handoff that is not their agency's matter). They never see the complainant of an ``anonim``
or ``rahasia`` complaint (`admin.auth.can_see_identity`).
"""
from __future__ import annotations

from flask import abort, request
from flask_admin import expose

from workflow.core.roles import LIAISON
from workflow.errors import AlurError
from workflow.store.queries import agency_history
from workflow.store.queries.worklist import Filters, Queue, looks_like_receipt

from ..auth import SecureBaseView, current_console_user
from . import common, handoffs
from .common import tr
from .work import TicketPage, load_ticket_or_404


class LiaisonTriggers:
    """The triggers a liaison may fire: those a published definition gives to the liaison role."""

    def __contains__(self, trigger: object) -> bool:
        return any(LIAISON in t.roles for d in common.published_definitions()
                   for t in d.transitions_named(str(trigger)))


OPD_TRIGGERS = LiaisonTriggers()


class OpdView(SecureBaseView):
    roles = frozenset({LIAISON})

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.page = TicketPage(self, opd_mode=True, allowed_triggers=OPD_TRIGGERS)  # type: ignore[arg-type]

    def _mine(self, ticket_id: int):
        ticket = load_ticket_or_404(ticket_id)
        user = current_console_user()
        if user is None or not user.opd or (ticket.opd != user.opd and not any(
                p.agency == user.opd for p in ticket.handoffs)):  # handed to it alone, or its part of a handoff
            abort(404)
        return ticket

    @expose("/")
    def index(self):
        user = current_console_user()
        if request.args.get("tab") == "riwayat":
            return self.history(user)
        filters = Filters.from_args(request.args)
        filters.q = filters.q if looks_like_receipt(filters.q) else ""  # no identity search here
        rows, more = common.list_tickets(Queue("opd", opd=user.opd), filters, identity_search=False, order="oldest")
        definitions = common.live_definitions()
        agency = common.catalog_label("opd", user.opd)
        at_agency = [d for d in definitions if any(LIAISON in s.actors for s in d.states.values())]
        states = [(k, label) for k, label in common.state_options(at_agency)
                  if any(k in d.states and LIAISON in d.states[k].actors for d in at_agency)]
        return self.render("alur/opd_queue.html", rows=rows, more=more, filters=filters, tab="opd", order="oldest",
                           definition=common.definition_for(), common=common, endpoint=self.endpoint,
                           tabs=self.tabs(agency),
                           states=states, definitions=at_agency,
                           catalogs=common.runtime().catalogs, can_record=False, opd_mode=True)

    @staticmethod
    def tabs(agency: str) -> list[tuple[str, str]]:
        return [("opd", tr(f"Diserahkan ke {agency}", f"Handed to {agency}")),
                ("riwayat", tr("Riwayat jawaban", "Answered before"))]

    def history(self, user):
        """The agency's past parts: every move its liaisons made, newest first, with their own words."""
        try:
            page = max(1, min(10000, int(request.args.get("page") or 1)))
        except ValueError:
            page = 1
        rows, more = agency_history.answered_by(common.runtime().store, user.opd, page=page)
        for r in rows:
            r.update(history_entry(r, user.opd))
        agency = common.catalog_label("opd", user.opd)
        return self.render("alur/opd_history.html", rows=rows, more=more, page=page, tab="riwayat",
                           tabs=self.tabs(agency), endpoint=self.endpoint, common=common, agency=agency)

    @expose("/ticket/<int:ticket_id>")
    def ticket(self, ticket_id: int):
        return self.page.render(self._mine(ticket_id))

    @expose("/ticket/<int:ticket_id>/fire", methods=("POST",))
    def fire(self, ticket_id: int):
        self._mine(ticket_id)
        return self.page.fire(ticket_id)

    @expose("/ticket/<int:ticket_id>/handoff", methods=("POST",))
    def handoff(self, ticket_id: int):
        """The agency's own part of a handoff: acknowledge or answer (`admin.console.handoffs`)."""
        return handoffs.post(self, self.page, self._mine(ticket_id))


def history_entry(row: dict, agency: str) -> dict:
    """What the history shows of one move: its label, the inputs with their labels, the stage now, and
    whether the ticket is still with the agency (then it links to the ticket page)."""
    try:
        definition = common.runtime().engine.definition(row["definition_key"], row["definition_version"])
    except AlurError:
        definition = None
    fields: dict = {}
    label = row["trigger"] or ""
    if row["kind"] == "handoff":
        label = tr(*handoffs.ACTIONS.get(row["detail"].get("action"), (label, label)))
        h = definition.handoffs.get(row["detail"].get("handoff")) if definition else None
        fields = {f.name: f for f in h.inputs} if h else {}
    elif definition is not None:
        named = definition.transitions_named(row["trigger"] or "")
        if named:
            label = (named[0].label_en or named[0].label) if common.lang() == "en" else named[0].label
            fields = {f.name: f for t in named for f in t.inputs}
    said = [(common.field_label(fields[k]) if k in fields else k, common.display_value(fields.get(k), v))
            for k, v in row["inputs"].items() if v not in (None, "", [])]
    still_ours = row["closed_at"] is None and row["opd"] == agency
    return {"label": label, "said": said, "state_label": common.state_label(definition, row["state"]),
            "still_ours": still_ours}


def register(admin, app) -> None:
    from . import Text

    admin.add_view(OpdView(name=Text("Pengaduan untuk OPD", "Agency inbox"), endpoint="opd", url="/admin/opd"))


__all__ = ["OpdView", "OPD_TRIGGERS", "register"]
