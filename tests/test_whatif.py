"""``alur whatif`` and `workflow.services.whatif`: a quarter of complaints replayed against a draft SOP.

The history is made by the engine on SQLite and PostgreSQL (tickets opened through July to September 2026,
moved by the people the SOP names, escalations swept as they fall due). Each test asks what a supervisor
would ask before publishing: does the unchanged SOP change nothing, which tickets does a renamed action or
a narrowed role strand (and why, with labels), how does a shorter budget or a closed Friday move the due
times and the escalations. A replay writes nothing, and the same input prints the same bytes.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from workflow.core.period import parse_period
from workflow.errors import InvalidInput, TransitionRejected, UnknownDefinition
from workflow.runtime import build_runtime
from workflow.services import whatif as service
from workflow.services.escalation import sweep_due_rungs
from workflow.store.queries import replay as reader
from workflow.store.rules.on_time import outcome

from .conftest import SOP, walk_in_record
from .scenario import sample_value
from .test_properties import ACTORS

KEY = "pengaduan-ptsp"
START = datetime(2026, 7, 6, 2, 0, tzinfo=timezone.utc)  # Monday 6 July 2026, 09:00 WIB
TEXT = SOP.read_text(encoding="utf-8")


ROUTES = (
    # a light complaint answered at the desk, delivered and confirmed
    [("verifikasi", "petugas1", {"tingkat": "ringan", "kewenangan": "dalam"}), ("jawab_langsung", "petugas1", {}),
     ("arsipkan", "petugas1", {}), ("sampaikan", "petugas1", {}), ("konfirmasi_puas", "pemohon", {})],
    # a medium one: the team hands it to an agency, which answers
    [("verifikasi", "petugas1", {"tingkat": "sedang", "kewenangan": "dalam"}), ("teruskan_tim", "petugas1", {}),
     ("serahkan_opd", "tim1", {"opd": "dinas_esdm"}), ("konfirmasi_opd", "esdm1", {}), ("jawab_opd", "esdm1", {}),
     ("jawab", "tim1", {}), ("arsipkan", "petugas1", {}), ("sampaikan", "petugas1", {})],
    # the office waits on the complainant (the clocks pause), then goes on
    [("minta_kelengkapan", "petugas1", {}), ("lengkapi", "pemohon", {"kembali_ke": "petugas"}),
     ("verifikasi", "petugas1", {"tingkat": "ringan", "kewenangan": "dalam"}), ("tolak", "petugas1", {})],
    # outside the office's authority: transferred
    [("verifikasi", "petugas1", {"tingkat": "sedang", "kewenangan": "luar"}),
     ("alihkan", "petugas1", {"opd_tujuan": "dinas_pupr"})],
)


@pytest.fixture
def history(db_engine, published, monkeypatch, tmp_path):
    """A runtime whose trail holds a quarter's history: 48 tickets opened through Q3 2026, each walked along one
    of `ROUTES` with waits of ten minutes to three days (nights, weekends and holidays included), the
    escalation sweep running before every step."""
    monkeypatch.setenv("ALUR_IDENTITY_SALT", "test")
    monkeypatch.setenv("ALUR_INSTANCE_PATH", str(tmp_path))
    rt = build_runtime(db=db_engine)
    rng = random.Random(15)
    actors = {a.id: a for a in ACTORS}
    plan = []  # (when, ticket number, step)
    for number in range(48):
        when = START + timedelta(days=number * 1.7, minutes=rng.randint(0, 600))
        plan.append((when, number, None))
        for step in ROUTES[number % len(ROUTES)]:
            when += timedelta(minutes=rng.choice([10, 90, 400, 1300, 2900, 4300]))
            plan.append((when, number, step))
    definition, ids = rt.engine.definition(KEY), {}
    for when, number, step in sorted(plan, key=lambda p: (p[0], p[1])):
        sweep_due_rungs(rt, when)
        if step is None:
            ids[number] = rt.engine.open(KEY, walk_in_record(), ACTORS[0], now=when).ticket.id
            continue
        trigger, who, given = step
        chosen = next(t for t in definition.transitions_named(trigger))
        inputs = {f.name: sample_value(f, rt.catalogs, rng) for f in chosen.inputs if f.required}
        inputs.update(given)
        try:
            rt.engine.fire(ids[number], trigger, actors[who], inputs, now=when)
        except (TransitionRejected, InvalidInput):
            pass
    sweep_due_rungs(rt, max(p[0] for p in plan))
    return rt


def run(rt, text: str = TEXT, *, closures=(), hours=None, period="2026-Q3"):
    draft = service.draft_from_text(rt, text, "draft.yaml")
    return service.what_if(rt, service.Proposal(draft, tuple(closures), hours, "draft.yaml"), parse_period(period),
                           reader=reader, judge=outcome)


def invoke(rt, *args):
    """``alur`` in this process; ``alur whatif`` replays here unless ``--workers`` is given (forking is tested once,
    in `test_two_processes_give_the_report_of_one`: a fork from the test process hung the suite twice)."""
    from workflow.cli import cli

    if args[0] == "whatif" and "--workers" not in args:
        args = (*args, "--workers", "1")
    return CliRunner().invoke(cli, list(args), obj={"runtime": rt}, catch_exceptions=False)


def clock(report, key):
    return next(c for c in report["clocks"] if c["clock"] == key)


def test_the_unchanged_sop_on_the_unchanged_calendar_changes_nothing(history):
    report = run(history)
    assert report["tickets"] > 40 and report["compared"] == report["tickets"]
    assert report["stranded"]["tickets"] == 0 and report["diverged"] == 0 and report["escalation_changes"] == []
    whole = clock(report, "penyelesaian")
    assert whole["today"] == whole["proposed"] and whole["today"]["runs"] == report["tickets"]
    assert whole["due_shift_hours"]["bands"]["unchanged"] == whole["due_shift_hours"]["runs"] == report["tickets"]
    assert sum(whole["escalations"]["today"].values()) > 0


def test_today_is_what_the_clock_rows_recorded(history):
    """Today's figures are the trail replayed: they agree with the clock rows the engine wrote."""
    report = run(history)
    as_of = datetime.fromisoformat(report["as_of"].replace("Z", "+00:00"))
    counted: dict[str, dict[str, int]] = {}
    with history.store.unit_of_work(read_only=True) as uow:
        ids = {r["ticket_id"] for r in history.store.audit_rows(kind="open")}
        for ticket_id in ids:
            for run_ in uow.tickets.load(ticket_id).clocks:
                tally = counted.setdefault(run_.clock, {})
                kind = outcome(run_, as_of)
                tally[kind] = tally.get(kind, 0) + 1
    for c in report["clocks"]:
        mine = counted.get(c["clock"], {})
        assert c["today"]["on_time"] == mine.get("on_time", 0) and c["today"]["running"] == mine.get("running", 0)
        assert c["today"]["late_running"] == mine.get("late_running", 0)
        assert c["today"]["late"] == mine.get("late", 0) + mine.get("late_running", 0)  # late counts both
        assert c["today"]["runs"] == sum(mine.values())


def test_a_renamed_action_strands_history_at_its_first_use_with_the_reason_and_labels(history, tmp_path):
    report = run(history, TEXT.replace("teruskan_tim", "teruskan_ke_tim"))
    stranded = report["stranded"]
    assert stranded["tickets"] > 0 and report["compared"] == report["tickets"] - stranded["tickets"]
    first = stranded["list"][0]
    assert first["trigger"] == "teruskan_tim" and first["state"] == "terverifikasi"
    assert first["state_label"] == "Terverifikasi" and first["trigger_label"] == "Teruskan ke Tim Penanganan"
    reason = first["reasons"][0]
    assert reason["kind"] == "unknown_trigger" and "'teruskan_tim' tidak ada" in reason["reason"]
    assert stranded["causes"][0]["tickets"] == stranded["tickets"]
    draft = tmp_path / "draft.yaml"
    draft.write_text(TEXT.replace("teruskan_tim", "teruskan_ke_tim"), encoding="utf-8")
    result = invoke(history, "whatif", "--definition", str(draft), "--period", "2026-Q3")
    assert result.exit_code == 0, result.output
    assert f"The draft cannot replay {stranded['tickets']} ticket(s)" in result.output
    assert "Teruskan ke Tim Penanganan (teruskan_tim) at 'Terverifikasi'" in result.output


def test_a_narrowed_role_is_refused_with_the_role_reason(history):
    narrowed = TEXT.replace("    from: diterima\n    to: terverifikasi\n    roles: [petugas]",
                            "    from: diterima\n    to: terverifikasi\n    roles: [kepala_seksi]")
    assert narrowed != TEXT
    report = run(history, narrowed)
    first = report["stranded"]["list"][0]
    assert first["trigger"] == "verifikasi" and first["actor_role"] == "petugas"
    assert first["actor_role_label"] == "Petugas Front Office Pengaduan"
    assert [r["kind"] for r in first["reasons"]] == ["role"]
    assert "kepala_seksi" in first["reasons"][0]["reason"] or "Kepala Seksi" in first["reasons"][0]["reason"]


def test_a_shorter_budget_moves_every_due_time_two_days_earlier_and_fires_more_escalations(history):
    shorter = TEXT.replace("budget: {amount: 7, unit: calendar_days}", "budget: {amount: 5, unit: calendar_days}")
    assert shorter != TEXT
    report = run(history, shorter)
    whole = clock(report, "penyelesaian")
    shifts = whole["due_shift_hours"]
    assert shifts["min"] == shifts["max"] == -48.0 and shifts["bands"]["earlier_1d_3d"] == shifts["runs"]
    assert whole["proposed"]["late"] >= whole["today"]["late"]
    assert sum(whole["escalations"]["proposed_only"].values()) > 0 and whole["escalations"]["today_only"] == {}
    assert {e["fires"] for e in report["escalation_changes"]} == {"proposed_only"}
    assert clock(report, "tanggapan_awal")["due_shift_hours"]["bands"]["unchanged"] > 0


def test_a_closed_friday_moves_working_day_deadlines_later(history, tmp_path):
    report = run(history, hours=service.hours_from_text("senin-kamis 08:00-16:00"))
    triage = clock(report, "tanggapan_awal")["due_shift_hours"]
    assert triage["max"] > 0 and triage["min"] >= 0 and triage["bands"]["unchanged"] < triage["runs"]
    assert clock(report, "penyelesaian")["due_shift_hours"]["bands"]["unchanged"] == report["compared"]
    assert report["calendar"]["hours_proposed"] == "senin-kamis 08:00-16:00"
    closures = tmp_path / "tutup.txt"
    closures.write_text("# usulan\n2026-07-07 tutup Rapat kerja\n2026-07-08 tutup Rapat kerja\n", encoding="utf-8")
    closed = run(history, closures=service.closures_from_text(closures.read_text(), str(closures)))
    assert clock(closed, "tanggapan_awal")["due_shift_hours"]["max"] >= 24


def test_the_same_input_gives_a_byte_identical_report_and_nothing_is_written(history, tmp_path):
    before = _snapshot(history)
    draft = tmp_path / "draft.yaml"
    draft.write_text(TEXT.replace("teruskan_tim", "teruskan_ke_tim"), encoding="utf-8")
    outputs = [invoke(history, "whatif", "--definition", str(draft), "--period", "2026-Q3", "--format", fmt)
               for fmt in ("json", "json", "table", "table")]
    assert all(r.exit_code == 0 for r in outputs), outputs[0].output
    assert outputs[0].output == outputs[1].output and outputs[2].output == outputs[3].output
    assert json.loads(outputs[0].output)["stranded"]["tickets"] > 0
    assert _snapshot(history) == before


def _snapshot(rt):
    """Every table's rows, and the audit chain's head."""
    import sqlalchemy as sa

    out = {}
    with rt.store.engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            out[name] = sorted(map(repr, conn.execute(sa.text(f'SELECT * FROM "{name}"')).all()))
    return out, rt.store.audit_head()


def test_bad_input_is_explained(history, tmp_path):
    draft = tmp_path / "draft.yaml"
    draft.write_text(TEXT.replace("key: pengaduan-ptsp", "key: pengaduan-baru"), encoding="utf-8")
    with pytest.raises(UnknownDefinition):
        run(history, draft.read_text())
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEXT.replace("    to: terverifikasi\n", "    to: tidak_ada\n", 1), encoding="utf-8")
    result = invoke(history, "whatif", "--definition", str(broken), "--period", "2026-Q3")
    assert result.exit_code == 1 and "broken.yaml:" in result.output
    closures = tmp_path / "c.txt"
    closures.write_text("2026-07-07 libur\n", encoding="utf-8")
    result = invoke(history, "whatif", "--definition", str(SOP), "--calendar-closures", str(closures),
                    "--period", "2026-Q3")
    assert result.exit_code == 1 and "c.txt:1:" in result.output and "tutup" in result.output
    result = invoke(history, "whatif", "--definition", str(SOP), "--office-hours", "senin 25:00-16:00",
                    "--period", "2026-Q3")
    assert result.exit_code == 1 and "--office-hours" in result.output
    result = invoke(history, "whatif", "--definition", str(SOP), "--period", "Q3-2026")
    assert result.exit_code == 1 and "2021-Q1" in result.output


def test_a_supervisor_trying_drafts_replays_today_once_and_gets_the_same_reports(history, monkeypatch):
    """With ``remember`` (the console), the next draft's what-if takes today's side from the one before when
    today and the trail are the same, and reports exactly what replaying today again reports; a row appended
    to the trail (even one the period does not see) makes it replay today again."""
    from workflow.core.whatif import Comparison

    drafts = [TEXT.replace("budget: {amount: 7, unit: calendar_days}", "budget: {amount: 5, unit: calendar_days}"),
              TEXT.replace("teruskan_tim", "teruskan_ke_tim"), TEXT]
    service.forget()
    fresh = [run(history, text) for text in drafts]
    as_of = datetime.fromisoformat(fresh[0]["as_of"].replace("Z", "+00:00"))
    kept_calls = []
    keep = Comparison.keep
    monkeypatch.setattr(Comparison, "keep", lambda self, today: kept_calls.append(1) or keep(self, today))

    def remembering(text):
        draft = service.draft_from_text(history, text, "draft.yaml")
        before = len(kept_calls)
        report = service.what_if(history, service.Proposal(draft, (), None, "draft.yaml"), parse_period("2026-Q3"),
                                 reader=reader, judge=outcome, as_of=as_of, remember=True)
        return report, len(kept_calls) - before

    try:
        runs = [remembering(text) for text in drafts]
        assert [report for report, _ in runs] == fresh
        assert runs[0][1] == fresh[0]["tickets"] and runs[1][1] == 0 and runs[2][1] == 0
        history.engine.open(KEY, walk_in_record(), ACTORS[0], now=as_of + timedelta(days=30))
        again, replayed = remembering(drafts[0])
        assert again == fresh[0] and replayed == fresh[0]["tickets"]
    finally:
        service.forget()


def test_two_processes_give_the_report_of_one(history, tmp_path, monkeypatch):
    """`alur whatif` forks ``--workers`` processes (by default one per core, up to 8), each replaying its share."""
    import signal

    forks = []
    in_processes = service._in_processes
    monkeypatch.setattr(service, "_in_processes", lambda *job: forks.append(job[2]) or in_processes(*job))

    def stuck(signum, frame):
        raise TimeoutError("alur whatif --workers 2 did not return within 120 s")

    draft = tmp_path / "draft.yaml"
    draft.write_text(TEXT.replace("teruskan_tim", "teruskan_ke_tim"), encoding="utf-8")
    args = ("whatif", "--definition", str(draft), "--period", "2026-Q3", "--format", "json")
    previous = signal.signal(signal.SIGALRM, stuck)  # a hang fails this test instead of stalling the suite
    signal.alarm(120)
    try:
        forked = invoke(history, *args, "--workers", "2")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    alone = invoke(history, *args)
    assert forked.exit_code == 0 and alone.exit_code == 0, forked.output
    assert json.loads(forked.output)["stranded"]["tickets"] > 0
    assert forks == [2], "the replay did not fork (a thread left running in the test process stops it)"
    assert forked.output == alone.output
