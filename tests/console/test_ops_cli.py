"""/healthz, /metrics, the users commands, ``alur serve --demo``'s preparation, and the rule that the
console has no generic model forms."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select

from tests.console.conftest import open_ticket
from workflow.core.guards import Actor
from workflow.services.users import authenticate, list_users
from workflow.store import models as m
from workflow.store.sql import SqlStore


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_metrics_count_transitions_by_trigger_escalations_and_failed_deliveries(client, rt):
    ticket_id = open_ticket(rt)
    rt.engine.fire(ticket_id, "verifikasi", Actor("petugas", frozenset({"petugas"})),
                   {"tingkat": "sedang", "kewenangan": "dalam"})
    with rt.db.begin() as conn:
        if "deliveries" in m.metadata.tables or conn.dialect.has_table(conn, "deliveries"):
            from sqlalchemy import MetaData, Table

            deliveries = Table("deliveries", MetaData(), autoload_with=conn)
            row = {c.name: None for c in deliveries.columns if c.name != "id"}
            row.update(outbox_id=1, ticket_id=ticket_id, template="jawaban", channel="email", recipient="a@b.id",
                       subject="s", body="b", locale="id", status="failed", attempts=5,
                       created_at=rt.engine.now())
            conn.execute(insert(deliveries).values(**{k: v for k, v in row.items() if v is not None}))
    text = client.get("/metrics").get_data(as_text=True)
    assert 'alur_transitions_total{trigger="verifikasi"} 1' in text
    assert "# TYPE alur_escalations_total counter" in text
    assert 'alur_open_tickets{state="terverifikasi"} 1' in text
    assert "alur_failed_deliveries 1" in text


def test_metrics_keep_counting_new_moves_without_recounting_the_audit_trail(client, rt):
    """Each scrape reads only the audit rows after the last one it counted; a fresh process counts the
    whole trail once and arrives at the same figures."""
    from admin.ops import AuditTally

    officer = Actor("petugas", frozenset({"petugas"}))
    first = open_ticket(rt)
    assert 'alur_tickets_opened_total 1' in client.get("/metrics").get_data(as_text=True)
    rt.engine.fire(first, "verifikasi", officer, {"tingkat": "sedang", "kewenangan": "dalam"})
    second = open_ticket(rt)
    rt.engine.fire(second, "verifikasi", officer, {"tingkat": "ringan", "kewenangan": "dalam"})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'alur_transitions_total{trigger="verifikasi"} 2' in text
    assert 'alur_tickets_opened_total 2' in text
    tally = rt.extras["metrics_audit_tally"]
    fresh = AuditTally().update(rt.store)
    with rt.db.connect() as conn:
        assert tally.seq == fresh.seq == conn.execute(select(func.max(m.audit_log.c.seq))).scalar()
    assert (fresh.transitions, fresh.opened) == (tally.transitions, tally.opened)


def test_metrics_token_is_required_when_configured(app, client):
    app.config["ALUR_METRICS_TOKEN"] = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


@pytest.fixture
def cli(db, monkeypatch):
    from admin.cli import cli as group

    monkeypatch.setenv("ALUR_DATABASE_URL", db.url.render_as_string(hide_password=False))
    return lambda *args, **kw: CliRunner().invoke(group, list(args), catch_exceptions=False, **kw)


def test_users_add_list_disable(cli, db):
    result = cli("users", "add", "liaison2", "--role", "opd_liaison", "--opd", "dinas_pupr",
                 "--name", "Penghubung PUPR", "--password-stdin", input="kata-sandi-panjang\n")
    assert result.exit_code == 0, result.output
    assert authenticate(SqlStore(db), "liaison2", "kata-sandi-panjang").opd == "dinas_pupr"
    assert "liaison2" in cli("users", "list").output
    assert cli("users", "disable", "liaison2").exit_code == 0
    assert authenticate(SqlStore(db), "liaison2", "kata-sandi-panjang") is None
    refused = cli("users", "add", "x", "--role", "opd_liaison", "--password-stdin", input="kata-sandi-panjang\n")
    assert refused.exit_code != 0 and "--opd" in refused.output
    refused = cli("users", "add", "y", "--role", "supervisor", "--password-stdin", input="kata-sandi-panjang\n")
    assert refused.exit_code != 0 and "--level" in refused.output


def test_demo_prepares_one_user_per_role_and_tickets_in_several_stages(tmp_path):
    from admin.demo import DEMO_USERS, demo_data, prepare_demo
    from workflow.runtime import build_runtime
    from workflow.store.db import make_engine

    rt = build_runtime(db=make_engine(f"sqlite:///{tmp_path / 'demo.db'}"))
    logins = prepare_demo(rt)
    assert [u for u, _, _ in logins] == [u[0] for u in DEMO_USERS]
    roles = {r for u in list_users(rt.store) for r in u.roles}
    assert roles == {"admin", "supervisor", "petugas", "tim", "opd_liaison", "auditor"}
    username, _, password = logins[4]
    assert authenticate(rt.store, username, password) is not None
    with rt.db.connect() as conn:
        states = {r[0] for r in conn.execute(select(m.tickets.c.state)).all()}
    assert {"diterima", "ditangani_tim", "diserahkan_opd", "selesai"} <= states
    with rt.db.connect() as conn:
        recorded = conn.execute(select(func.count()).select_from(m.tickets)).scalar_one()
    assert recorded == len(demo_data()["tickets"])  # every complaint of the demo data, none twice
    assert prepare_demo(rt)  # a second run keeps the data and only renews the passwords
    with rt.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.tickets)).scalar_one() == recorded
    rt.db.dispose()


def test_the_console_has_no_generic_model_forms(app):
    """Every console page reads through read models and writes through services: a Flask-Admin model view
    would write a table past them (and past the audit trail)."""
    from flask_admin.model import BaseModelView

    views = app.extensions["alur_admin"]._views
    assert views and not [v for v in views if isinstance(v, BaseModelView)]


@pytest.mark.redis
def test_metrics_report_the_depth_of_the_queues_workers_listen_on(app, client, rt):
    """The depth of ``<prefix>-escalations`` and ``<prefix>-notifications``, the queues `alur worker` serves
    (it reported an unprefixed "default" queue nobody uses)."""
    import uuid

    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    from tests.conftest import REDIS_URL, service_missing
    from workflow.jobs import queues

    conn = Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except RedisError as exc:
        service_missing("Redis", exc)
    prefix = f"t{uuid.uuid4().hex[:10]}"
    rt.redis_url, rt.extras["queue_prefix"] = REDIS_URL, prefix
    try:
        Queue(queues.queue_name(rt, queues.NOTIFICATION_QUEUE), connection=conn).enqueue("builtins.len", "abc")
        text = client.get("/metrics").get_data(as_text=True)
        assert f'alur_rq_queue_depth{{queue="{prefix}-notifications"}} 1' in text
        assert f'alur_rq_queue_depth{{queue="{prefix}-escalations"}} 0' in text
    finally:
        keys = list(conn.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            conn.delete(*keys)
        conn.close()
