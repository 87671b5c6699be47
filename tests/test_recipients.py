"""notifications.recipients: who hears what, decided from the ticket and the staff list alone."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from notifications.recipients import StaffUser, expand_recipients, opted_out, user_locale
from workflow.core.ticket import Ticket

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)

USERS = [
    StaffUser(1, "tim1", "Tim Satu", frozenset({"tim"}), email="tim1@dpmptsp.test"),
    StaffUser(2, "tim2", "Tim Dua", frozenset({"tim", "petugas"}), locale="en"),
    StaffUser(3, "tim3", "Tim Tiga (pensiun)", frozenset({"tim"}), active=False),
    StaffUser(4, "esdm1", "Penghubung ESDM", frozenset({"opd_liaison"}), opd="dinas_esdm", email="esdm@banten.test"),
    StaffUser(5, "pupr1", "Penghubung PUPR", frozenset({"opd_liaison"}), opd="dinas_pupr"),
    StaffUser(6, "kasi1", "Kepala Seksi", frozenset({"kepala_seksi"})),
    StaffUser(7, "petugas1", "Petugas Satu", frozenset({"petugas"})),
]


def ticket(**changes) -> Ticket:
    values = dict(id=1, receipt_no="ADU-2026-000001", definition_key="pengaduan-ptsp", definition_version=1,
                  state="diterima", version=1, created_at=NOW, updated_at=NOW,
                  fields={"kerahasiaan": "biasa", "perihal": "Izin lama"},
                  identity={"nama": "Siti Aminah", "email": "siti@example.test", "telepon": "+6281234567890"})
    values.update(changes)
    return Ticket(**values)


def pairs(targets) -> list[tuple[str, str]]:
    return [(t.channel, t.recipient) for t in targets]


def test_complainant_gets_email_and_whatsapp_in_indonesian():
    targets = expand_recipients("pemohon", ticket(), USERS)

    assert pairs(targets) == [("email", "siti@example.test"), ("webhook", "+6281234567890")]
    assert {t.locale for t in targets} == {"id"}
    assert all(t.audience == "pemohon" for t in targets)


def test_anonymous_complainant_is_still_notified():
    targets = expand_recipients("pemohon", ticket(fields={"kerahasiaan": "anonim"}), USERS)

    assert ("email", "siti@example.test") in pairs(targets)


@pytest.mark.parametrize("flag", [True, "ya", "true"])
def test_opted_out_complainant_gets_one_skipped_target_with_the_reason(flag):
    t = ticket(identity={"nama": "Siti", "email": "siti@example.test", "tanpa_notifikasi": flag})

    targets = expand_recipients("pemohon", t, USERS)

    assert opted_out(t)
    assert len(targets) == 1 and targets[0].skipped and targets[0].channel == "none"
    assert "tidak menerima notifikasi" in targets[0].skip_reason


def test_complainant_without_contact_is_skipped_with_the_reason():
    targets = expand_recipients("pemohon", ticket(identity={"nama": "Siti"}), USERS)

    assert [t.skip_reason for t in targets] == ["pemohon tidak mencantumkan email atau nomor telepon"]


def test_role_reaches_every_active_holder_inapp_and_by_email_when_they_have_one():
    targets = expand_recipients("role:tim", ticket(), USERS)

    assert pairs(targets) == [("inapp", "1"), ("email", "tim1@dpmptsp.test"), ("inapp", "2")]
    assert [t.locale for t in targets] == ["id", "id", "en"]


def test_opd_reaches_only_the_liaisons_of_the_ticket_opd():
    targets = expand_recipients("opd", ticket(opd="dinas_esdm"), USERS)

    assert pairs(targets) == [("inapp", "4"), ("email", "esdm@banten.test")]


def test_opd_without_a_handoff_is_skipped():
    assert expand_recipients("opd", ticket(opd=None), USERS)[0].skipped


def test_assignee_is_the_assigned_user_else_the_role_else_the_state_actors():
    assert pairs(expand_recipients("assignee", ticket(assignee_id="tim2", assignee_role="tim"), USERS)) == [
        ("inapp", "2")]
    assert pairs(expand_recipients("assignee", ticket(assignee_role="kepala_seksi"), USERS)) == [("inapp", "6")]
    assert pairs(expand_recipients("assignee", ticket(), USERS, fallback_roles=["petugas"])) == [
        ("inapp", "2"), ("inapp", "7")]
    assert expand_recipients("assignee", ticket(), USERS)[0].skip_reason == \
        "pengaduan belum ditugaskan kepada siapa pun"


def test_escalation_target_is_the_target_role_from_the_detail():
    targets = expand_recipients("escalation_target", ticket(), USERS, detail={"target_role": "kepala_seksi"})

    assert pairs(targets) == [("inapp", "6")]
    assert expand_recipients("escalation_target", ticket(), USERS)[0].skipped


def test_role_nobody_holds_and_unknown_specs_are_skipped_not_lost():
    nobody = expand_recipients("role:kepala_dinas", ticket(), USERS)
    unknown = expand_recipients("semua", ticket(), USERS)

    assert nobody[0].skip_reason == "tidak ada pengguna aktif dengan peran kepala_dinas"
    assert "tidak dikenal" in unknown[0].skip_reason


def test_a_named_user_is_reached_by_username_or_id_and_a_disabled_one_is_skipped():
    assert pairs(expand_recipients("user:kasi1", ticket(), USERS)) == [("inapp", "6")]
    assert pairs(expand_recipients("user:6", ticket(), USERS)) == [("inapp", "6")]
    gone = expand_recipients("user:tim3", ticket(), USERS)
    assert gone[0].skipped and "tidak ada atau tidak aktif" in gone[0].skip_reason


def test_user_locale_falls_back_to_indonesian():
    assert [user_locale(v) for v in ("en", "en_US", "id", "jv", None)] == ["en", "en", "id", "id", "id"]


def test_escalations_reach_supervisors_stored_the_way_the_console_stores_them():
    """The console keeps "supervisor" plus a level, or a definition's supervisor role itself; an escalation
    names the position (kepala_seksi …), and which position a level is comes from the definition."""
    from tests.conftest import SOP
    from workflow.core.roles import RoleDirectory
    from workflow.spec.loader import load_definition_file
    from workflow.store.port import UserRecord

    directory = RoleDirectory.from_definitions([load_definition_file(SOP)])

    def account(uid, username, level, roles=("supervisor",)):
        return UserRecord(id=uid, username=username, display_name=username, roles=roles, supervisor_level=level)

    staff = [StaffUser.from_record(account(11, "kasi", 1), directory),
             StaffUser.from_record(account(12, "kabid", None, ("kepala_bidang",)), directory),
             StaffUser.from_record(account(13, "kadis", 3), directory)]
    to_section = expand_recipients("escalation_target", ticket(), staff, detail={"target_role": "kepala_seksi"})
    to_division = expand_recipients("role:kepala_bidang", ticket(), staff)

    assert [t.user.id for t in to_section if t.channel == "inapp"] == [11]
    assert [t.user.id for t in to_division if t.channel == "inapp"] == [12]
