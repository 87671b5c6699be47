"""The database cross-check after a load run: every acknowledged filing exists once, fires match the audit
trail, the audit chain verifies, and no notification reached a sink twice."""
from __future__ import annotations

import psycopg

from loadtest.client import Ledger


def cross_check(database_url: str, ledger: Ledger, sinks: dict) -> dict:
    """Counts and the problems found (an empty ``problems`` list means the promises held)."""
    problems: list[str] = []

    def rows(sql: str) -> list[tuple]:
        return conn.execute(sql).fetchall()

    # The check reads the tables itself, with the driver, independently of the code under test.
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        receipts = dict(rows("SELECT receipt_no, count(*) FROM tickets WHERE NOT imported GROUP BY receipt_no"))
        keys = dict(rows("SELECT i.key, t.receipt_no FROM idempotency_keys i JOIN tickets t ON t.id = i.ticket_id"))
        fired = {r[0] for r in rows("SELECT receipt_no FROM audit_log WHERE kind = 'transition' "
                                    "AND trigger = 'verifikasi'")}
        fired_rows = rows("SELECT count(*) FROM audit_log WHERE kind = 'transition' AND trigger = 'verifikasi'")[0][0]
        opened_rows = rows("SELECT count(*) FROM audit_log WHERE kind = 'open'")[0][0]
        sent = rows("SELECT channel, count(*) FROM deliveries WHERE status = 'sent' GROUP BY channel")
        pending = rows("SELECT count(*) FROM deliveries WHERE status = 'queued'")[0][0]
        outbox_pending = rows("SELECT count(*) FROM outbox WHERE status = 'pending'")[0][0]
        # Every message of the run, not only the last 1,000 that /metrics reads: move to message sent.
        lag = rows("SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM "
                   "d.sent_at - o.created_at)), max(extract(epoch FROM d.sent_at - o.created_at)) "
                   "FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE d.status = 'sent'")[0]
    missing = [k for k, r in ledger.filed.items() if receipts.get(r) != 1]
    if missing:
        problems.append(f"{len(missing)} acknowledged filings missing or not unique, e.g. {missing[:3]}")
    wrong_key = [k for k, r in ledger.filed.items() if keys.get(k) != r]
    if wrong_key:
        problems.append(f"{len(wrong_key)} Idempotency-Keys not bound to their acknowledged ticket")
    orphans = [k for k in ledger.unanswered_keys if k in keys]
    unfired = ledger.fired - fired
    if unfired:
        problems.append(f"{len(unfired)} acknowledged fires not in the audit trail")
    extra = fired - set(ledger.fire_attempts)
    if extra or fired_rows != len(fired):
        problems.append(f"audit has fires nobody attempted ({len(extra)}) or a ticket fired twice "
                        f"({fired_rows} rows for {len(fired)} tickets)")
    if opened_rows != sum(receipts.values()):
        problems.append(f"{opened_rows} 'open' audit rows for {sum(receipts.values())} tickets")
    for kind in ("email", "webhook"):
        if sinks[kind]["sent_twice_count"]:
            problems.append(f"{sinks[kind]['sent_twice_count']} {kind} messages reached the sink twice")
    return {"tickets": sum(receipts.values()), "acknowledged_filings": len(ledger.filed),
            "unanswered_keys_with_a_ticket": len(orphans), "unanswered_keys": len(ledger.unanswered_keys),
            "fires_acknowledged": len(ledger.fired), "fires_in_audit": len(fired),
            "fires_attempted": len(ledger.fire_attempts), "replay_mismatch": ledger.replay_mismatch,
            "deliveries_sent": dict(sent), "deliveries_queued": pending, "outbox_pending": outbox_pending,
            "delivery_lag_all_s": dict(zip(("p50", "p95", "p99"), [round(float(q), 1) for q in lag[0] or ()]),
                                       max=round(float(lag[1] or 0), 1)),
            "sinks": {k: {"received": v["received"], "unique": v["unique"], "sent_twice": v["sent_twice_count"]}
                      for k, v in sinks.items() if isinstance(v, dict)},
            "problems": problems + ([f"{ledger.replay_mismatch} replays answered another receipt"]
                                    if ledger.replay_mismatch else [])}
