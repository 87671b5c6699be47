"""Notifying anyone a definition names: third parties by a field (``field:``), agencies by the contact the
office keeps (``agency:``), one agency's liaisons (``opd:<code>``), and templates a definition ships itself,
rendered in Indonesian and English."""
from __future__ import annotations

from pathlib import Path

import pytest

from notifications.recipients import StaffUser, expand_recipients
from notifications.templates import render_for
from tests.test_recipients import NOW, USERS, ticket
from workflow.spec.loader import load_definition_file

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "valid" / "handoffs.yaml"
CONTACTS = {"dinas_lhk": {"email": "pengaduan@dlhk.test", "webhook_url": "https://dlhk.test/pengaduan"},
            "camat_cikupa": {"phone": "021-555"}}


def targets(spec, **fields):
    t = ticket(fields={"kerahasiaan": "biasa", "perihal": "Izin lama", **fields})
    return [(x.channel, x.recipient, x.audience) if not x.skipped else ("skipped", x.skip_reason, x.audience)
            for x in expand_recipients(spec, t, USERS, contacts=CONTACTS.get)]


def test_a_third_party_is_written_to_at_the_address_its_field_holds():
    assert targets("field:email_usaha", email_usaha="admin@toko-maju.test") == \
        [("email", "admin@toko-maju.test", "pihak")]
    assert targets("field:telepon_kades", telepon_kades="+6281234000111") == [("webhook", "+6281234000111", "pihak")]
    [(channel, reason, _)] = targets("field:email_usaha")
    assert channel == "skipped" and "email_usaha kosong" in reason


def test_an_agency_is_reached_at_the_contact_the_office_keeps():
    assert targets("agency:opd_tujuan", opd_tujuan="dinas_lhk") == [
        ("email", "pengaduan@dlhk.test", "instansi"), ("agency_webhook", "https://dlhk.test/pengaduan", "instansi")]
    [(channel, reason, _)] = targets("agency:opd_tujuan", opd_tujuan="camat_cikupa")
    assert channel == "skipped" and "belum punya kontak" in reason


def test_one_agencys_liaisons_hear_of_their_part_only():
    assert [t.user.username for t in expand_recipients("opd:dinas_pupr", ticket(), USERS) if t.channel == "inapp"] \
        == ["pupr1"]
    [skipped] = expand_recipients("opd:dinas_lhk", ticket(), USERS)
    assert "tidak ada penghubung aktif" in skipped.skip_reason


@pytest.mark.parametrize("locale, subject", [("id", "Permintaan klarifikasi atas pengaduan ADU-2026-000001"),
                                             ("en", "Request for clarification on complaint ADU-2026-000001")])
def test_a_template_the_definition_ships_is_rendered_in_the_readers_language(locale, subject):
    definition = load_definition_file(FIXTURE)
    context = {"receipt_number": "ADU-2026-000001", "office_name": "DPMPTSP Kabupaten Contoh",
               "ticket_title": "Reklame liar"}

    rendered_subject, body = render_for(definition, "panggilan_usaha", locale, context)

    assert rendered_subject == subject
    assert "DPMPTSP Kabupaten Contoh" in body and '"Reklame liar"' in body
    # a key the definition does not ship is the package's file
    shipped = {"receipt_number": "X-1", "office_name": "O", "received_at": NOW, "channel": "Loket", "due_at": NOW,
               "tracking_url": "https://x"}
    assert render_for(definition, "tanda_terima", "id", shipped)[0].startswith("Tanda terima")


def test_staff_of_other_agencies_are_not_liaisons_of_this_one():
    other = StaffUser(9, "lhk1", "Penghubung LHK", frozenset({"tim"}), opd="dinas_lhk")
    [skipped] = expand_recipients("opd:dinas_lhk", ticket(), [*USERS, other])
    assert skipped.skipped
