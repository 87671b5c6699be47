"""The office calendar page: holidays, cuti bersama and the office's own closures of one year, edited by
supervisors.

The calendar is `workflow.core.calendar` (the `holidays` package's list corrected by the office's
edits); edits go through `workflow.services.calendar`, which audits them, reloads the calendar and
recomputes the running deadlines they move. Who changed a day and when is read through
`workflow.store.queries.calendar`.
"""
from __future__ import annotations

import calendar as month_calendar
from datetime import date

from flask import Flask, abort, flash, redirect, request, url_for
from flask_admin import expose

from workflow.core.calendar import cuti_bersama
from workflow.services import calendar as calendar_service
from workflow.store.queries.calendar import office_edits

from ..auth import SecureBaseView, current_actor
from . import common
from .common import OFFICE_TZ, tr


def calendar_days(runtime, year: int) -> list[dict]:
    """Closed days of a year (package holidays, cuti bersama, office closures) and reopened holidays,
    each with the office's edit of it (who, when), if any."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    days = {d.day: {"day": d.day, "name": d.name, "source": d.source, "closed": d.status == "closed",
                    "office_row": None} for d in calendar_service.list_days(runtime, start, end)}
    for day, row in office_edits(runtime.store, start, end).items():
        entry = days.setdefault(day, {"day": day, "name": row["name"], "source": "office",
                                      "closed": row["kind"] == "add", "office_row": None})
        entry["office_row"] = {k: row[k] for k in ("kind", "name", "created_by", "created_at")}
        if row["kind"] == "remove":
            entry["closed"] = False
    return [days[d] for d in sorted(days)]


MONTHS = (("Januari", "January"), ("Februari", "February"), ("Maret", "March"), ("April", "April"), ("Mei", "May"),
          ("Juni", "June"), ("Juli", "July"), ("Agustus", "August"), ("September", "September"),
          ("Oktober", "October"), ("November", "November"), ("Desember", "December"))
WEEKDAYS = (("Sen", "Mon"), ("Sel", "Tue"), ("Rab", "Wed"), ("Kam", "Thu"), ("Jum", "Fri"), ("Sab", "Sat"),
            ("Min", "Sun"))


def month_grid(runtime, year: int, month: int, days: list[dict]) -> list[list[dict]]:
    """The month as weeks of days (Monday first), each day with what the grid shows: ``kind`` (holiday, cuti,
    office, opened, weekend, work), its name, and ``toggle`` (the edit a click makes: add, remove, reset, or
    None where a click changes nothing: a weekend, a day of another month)."""
    by_day = {d["day"]: d for d in days}
    cuti = cuti_bersama(year)
    weeks = []
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            found = by_day.get(day)
            cell = {"day": day, "in_month": day.month == month, "name": found["name"] if found else "",
                    "edited_by": (found.get("office_row") or {}).get("created_by") if found else None}
            if found and found.get("office_row"):
                cell.update(kind="office" if found["closed"] else "opened", toggle="reset")
            elif found and found["closed"]:
                cell.update(kind="cuti" if day in cuti else "holiday", toggle="remove")
            elif not runtime.calendar.is_working_day(day):
                cell.update(kind="weekend", toggle=None)
            else:
                cell.update(kind="work", toggle="add")
            if not cell["in_month"]:
                cell["toggle"] = None
            row.append(cell)
        weeks.append(row)
    return weeks


def _moved(result) -> tuple[str, str]:
    """The "N deadlines recomputed" sentence, in both languages, when an edit moved running clocks."""
    moved = getattr(result, "moved", None)
    if not moved:
        return "", ""
    return f" {moved} tenggat yang berjalan dihitung ulang.", f" {moved} running deadline(s) recomputed."


class CalendarView(SecureBaseView):
    """The office calendar: holidays, cuti bersama and the office's own closures for one year."""

    roles = frozenset({"supervisor"})

    def _year(self) -> int:
        this_year = common.utcnow().astimezone(OFFICE_TZ).year
        try:
            year = int(request.values.get("year") or this_year)
        except ValueError:
            year = this_year
        return min(max(year, 2000), 2100)

    def _month(self) -> int:
        try:
            month = int(request.values.get("month") or common.utcnow().astimezone(OFFICE_TZ).month)
        except ValueError:
            month = 1
        return min(max(month, 1), 12)

    @expose("/")
    def index(self):
        year, month = self._year(), self._month()
        rt = common.runtime()
        days = calendar_days(rt, year)
        en = common.lang() == "en"
        prev = (year, month - 1) if month > 1 else (year - 1, 12)
        following = (year, month + 1) if month < 12 else (year + 1, 1)
        return self.render("supervisor/calendar.html", year=year, month=month, days=days, common=common,
                           weeks=month_grid(rt, year, month, days), month_name=MONTHS[month - 1][en],
                           months=[(n + 1, names[en]) for n, names in enumerate(MONTHS)],
                           weekdays=[names[en] for names in WEEKDAYS], prev=prev, following=following)

    @expose("/change", methods=("POST",))
    def change(self):
        action = request.form.get("action", "")
        try:
            day = date.fromisoformat((request.form.get("day") or "").strip())
        except ValueError:
            flash(tr("Tanggal tidak valid; gunakan format TTTT-BB-HH.", "Invalid date; use YYYY-MM-DD."), "danger")
            return redirect(url_for(".index", year=self._year()))
        name = (request.form.get("name") or "").strip()[:200]
        if action == "toggle":  # a click on the month grid: close a working day, reopen a closed one
            rt = common.runtime()
            cell = next((c for week in month_grid(rt, day.year, day.month, calendar_days(rt, day.year)) for c in week
                         if c["day"] == day), None)
            action = (cell or {}).get("toggle") or ""
            if not action:
                flash(tr(f"{day.isoformat()} bukan hari kerja kantor; tidak ada yang diubah.",
                         f"{day.isoformat()} is not an office working day; nothing changed."), "warning")
                return redirect(url_for(".index", year=day.year, month=day.month))
            if action == "add":
                name = name or tr("Hari tutup kantor", "Office closure")
            try:
                flash(*self._apply(action, day, name))
            except ValueError as exc:
                flash(str(exc), "danger")
            return redirect(url_for(".index", year=day.year, month=day.month) + "#month-grid")
        if action == "add" and not name:
            flash(tr("Beri nama hari libur (mis. 'Cuti bersama Idul Fitri').",
                     "Give the closure a name (e.g. 'Collective leave')."), "danger")
            return redirect(url_for(".index", year=day.year, month=day.month))
        try:
            flash(*self._apply(action, day, name))
        except ValueError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".index", year=day.year, month=day.month))

    @staticmethod
    def _apply(action: str, day: date, name: str) -> tuple[str, str]:
        """Make the edit; the message (and its category) to flash."""
        rt, actor_id, now, iso = common.runtime(), current_actor().id, common.utcnow(), day.isoformat()
        if action == "add":
            moved = _moved(calendar_service.add_closure(rt, day, name, actor_id, now=now))
            return tr(f"{iso} ditutup: {name}.{moved[0]}", f"{iso} closed: {name}.{moved[1]}"), "success"
        if action == "remove":
            why = name or tr("Dibuka kembali oleh kantor", "Reopened by the office")
            moved = _moved(calendar_service.remove_holiday(rt, day, why, actor_id, now=now))
            return tr(f"{iso} menjadi hari kerja.{moved[0]}", f"{iso} is now a working day.{moved[1]}"), "success"
        if action == "reset":
            moved = _moved(calendar_service.reset_day(rt, day, actor_id, now=now))
            return tr(f"{iso} kembali mengikuti daftar libur nasional.{moved[0]}",
                      f"{iso} follows the national list again.{moved[1]}"), "success"
        abort(400)


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(CalendarView(name=Text("Kalender kerja", "Office calendar"), endpoint="calendar",
                                url="/admin/kalender"))


__all__ = ["register", "CalendarView", "calendar_days"]
