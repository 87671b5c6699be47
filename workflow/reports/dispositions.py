"""The quarterly report's table "3.8 Disposisi dari instansi lain" (issue 16): per referring body (SP4N-LAPOR!,
the Ombudsman, the DPRD), the referrals received in the period, how many were closed, how many before the
body's own deadline, how many are open past it, and how many of the status updates it expects came late.
Counted with the same rules as the console's list (`workflow.core.dispositions`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from workflow.core.dispositions import disposition_of, rules
from workflow.reports.model import DispositionLine
from workflow.store.queries.dispositions import referrals

NUMBER = "3.8"
TITLE = "Disposisi dari instansi lain (SP4N-LAPOR!, Ombudsman, DPRD)"


def disposition_lines(store, period, catalogs, calendar, now: datetime,
                      definition_key: str | None = None) -> tuple[DispositionLine, ...]:
    """One line per referring body the channel catalog declares, in catalog order."""
    bodies = rules(catalogs)
    if not bodies:
        return ()
    rows = [r for r in referrals(store, list(bodies), open_only=False, since=period.start_utc, until=period.end_utc)
            if definition_key is None or r["definition_key"] == definition_key]
    with store.unit_of_work(read_only=True) as uow:
        updates = uow.dispositions.updates_for([r["id"] for r in rows])
    counts = {code: [0, 0, 0, 0, 0] for code in bodies}
    for row in rows:
        d = disposition_of(row["fields"], row["kanal"], row["created_at"], catalogs, calendar,
                           {u.obligation: u for u in updates.get(row["id"], [])})
        if d is None:
            continue
        line = counts[row["kanal"]]
        line[0] += 1
        closed = row["closed_at"]
        if closed is not None:
            line[1] += 1
            line[2] += int(d.body_due is None or closed <= d.body_due)
        elif d.body_due is not None and now > d.body_due:
            line[3] += 1
        line[4] += sum(1 for o in d.obligations if o.late(now))
    return tuple(DispositionLine(code, rule.body, *counts[code]) for code, rule in bodies.items())


def disposition_table(report: Any):
    from workflow.reports.tables import Row, Table

    rows = [Row((i, line.body, line.received, line.closed, line.closed_in_time, line.open_late, line.updates_late))
            for i, line in enumerate(report.dispositions, start=1)]
    if not rows:
        rows = [Row(("-", "Katalog kanal tidak memuat instansi perujuk", "-", "-", "-", "-", "-"))]
    return Table(NUMBER, TITLE, "disposisi", ("No", "Instansi perujuk", "Diterima", "Selesai",
                                               "Selesai sebelum batas instansi", "Terbuka melewati batas",
                                               "Pembaruan status terlambat"), tuple(rows), chapter="III",
                 widths=(1, 5, 2, 2, 3, 3, 3))


__all__ = ["disposition_lines", "disposition_table", "NUMBER", "TITLE"]
