"""/metrics and /healthz say how far notifications lag behind the moves that caused them (issue 13, item 9)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from notifications import MemoryChannel, delivery
from tests.conftest import walk_in_record
from workflow.core.guards import Actor
from workflow.store import models as m


def metric(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.M)
    assert found, f"{name} missing from /metrics"
    return float(found.group(1))


def test_a_notification_waiting_shows_as_lag_until_it_is_sent(client, rt):
    petugas = Actor("petugas", frozenset({"petugas"}), "Petugas")
    rt.engine.open("pengaduan-ptsp", walk_in_record(email="pengadu@contoh.id"), petugas)
    two_minutes_ago = datetime.now(timezone.utc) - timedelta(minutes=2)
    with rt.db.begin() as conn:  # the move happened two minutes ago and no worker has run since
        conn.execute(update(m.outbox).values(created_at=two_minutes_ago))
    waiting = client.get("/metrics").get_data(as_text=True)
    assert metric(waiting, "alur_notification_waiting_seconds") >= 120
    health = client.get("/healthz").json["notifications"]
    assert health["waiting_s"] >= 120 and health["behind"] is True

    delivery.install(rt, channels={"email": MemoryChannel("email"), "webhook": MemoryChannel("webhook")})
    delivery.sweep_outbox(rt)
    sent = client.get("/metrics").get_data(as_text=True)
    assert metric(sent, "alur_notification_waiting_seconds") == 0
    assert metric(sent, 'alur_notification_lag_seconds{quantile="0.95"}') >= 120
    health = client.get("/healthz").json["notifications"]
    assert health["waiting_s"] == 0 and health["lag_p95_s"] >= 120 and health["behind"] is False
