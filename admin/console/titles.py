"""Each console page's own title (issue 14, item 10): a window title, a tab and a screen reader's first words
name the page itself ("Pengaduan ADU-2026-000012"), not only the menu entry it sits under ("Antrean kerja").

The title is read from the endpoint and the page's own template context; a page whose template sets
``page_title`` keeps it; any other page is titled by its menu entry, as before.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import request
from jinja2 import pass_context

from .common import office_zone, tr


def _receipt(ctx: Any) -> str:
    ticket = ctx.get("ticket")
    return getattr(ticket, "receipt_no", "") or ""


def _version(ctx: Any) -> str:
    args = request.view_args or {}
    return f"{args.get('key', '')} v{args.get('version', '')}"


TITLES: dict[str, Callable[[Any], str]] = {
    "work.ticket": lambda c: tr("Pengaduan", "Complaint") + f" {_receipt(c)}",
    "opd.ticket": lambda c: tr("Pengaduan", "Complaint") + f" {_receipt(c)}",
    "work.receipt": lambda c: tr("Resi pengaduan", "Complaint receipt") + f" {_receipt(c)}",
    "work.record": lambda c: tr("Catat pengaduan baru", "Record a new complaint"),
    "definitions.edit": lambda c: tr("Sunting definisi", "Edit definition")
    + f" {(request.view_args or {}).get('key', '')}",
    "definitions.version": lambda c: tr("Definisi", "Definition") + f" {_version(c)}",
    "definitions.diagram": lambda c: tr("Diagram SOP", "SOP diagram") + f" {_version(c)}",
    "definitions.migration": lambda c: tr("Pindahkan pengaduan ke", "Move complaints to") + f" {_version(c)}",
    "users.create": lambda c: tr("Pengguna baru", "New user"),
    "users.edit": lambda c: tr("Ubah pengguna", "Edit user") + f" {getattr(c.get('account'), 'username', '')}",
    "office.agencies": lambda c: tr("Instansi", "Agencies"),
    "audit.identity_views": lambda c: tr("Akses identitas pengadu", "Complainant identity views"),
    "inbox.message": lambda c: tr("Pesan", "Message"),
}


@pass_context
def console_title(context, view) -> str:
    """The page's title (without the app and office names, which the frame adds)."""
    explicit = context.get("page_title")
    if explicit:
        return str(explicit)
    make = TITLES.get(request.endpoint or "")
    if make is not None:
        try:
            return make(context).strip()
        except (AttributeError, TypeError, KeyError):  # a page rendered without what its title reads
            pass
    return str(getattr(view, "name", "") or "alur")


def zone_note() -> str:
    """The footer's note of the zone the page's times are in: the office's, from its profile."""
    zone, name = office_zone()
    key = getattr(zone, "key", None) or str(zone)
    return tr(f"Semua waktu dalam {name} ({key})", f"All times in {name} ({key})")


def init_app(app) -> None:
    from . import labels

    labels.init_app(app)
    app.jinja_env.globals["console_title"] = console_title
    app.jinja_env.globals["zone_note"] = zone_note


__all__ = ["console_title", "zone_note", "init_app", "TITLES"]
