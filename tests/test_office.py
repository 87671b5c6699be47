"""The office profile, its calendar and its agencies on the memory store (workflow.core.office,
workflow.services.office, workflow.services.agencies): what an office sets is refused with what to fix,
audited, and felt by deadlines, notifications and the catalog; and no office is named in code."""
from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.conftest import MONDAY_9_WIB, ROOT, memory_runtime, walk_in_record
from workflow.core.calendar import WorkingCalendar
from workflow.core.guards import Actor
from workflow.core.hours import format_week, parse_week
from workflow.core.office import OfficeProfile, profile_from_data
from workflow.errors import DefinitionError, OfficeError
from workflow.services.agencies import save_agency
from workflow.services.office import current_office, load_profile, load_profile_file, set_logo, set_profile
from workflow.services.publish import publish

OFFICES = ROOT / "definitions" / "examples"
PETUGAS = Actor("petugas1", frozenset({"petugas"}), "Petugas Satu")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def rt():
    return memory_runtime(calendar=WorkingCalendar())


def audit(rt, kind: str) -> list[dict]:
    return [r for r in rt.store.audit_rows() if r["kind"] == kind]


@pytest.mark.parametrize("data, words", [
    ({"timezone": "EST"}, "WIB (Asia/Jakarta), WITA (Asia/Makassar) or WIT"),
    ({"hours": "senn-jumat 08:00-16:00"}, "did you mean 'senin'"),
    ({"hours": "senin-jumat 16:00-08:00"}, "open before they close"),
    ({"hours": "senin 08:00-12:00, senin 13:00-16:00"}, "senin is given twice"),
    ({"phones": "0812٣٤٥٦٧"}, "not a telephone number"),
    ({"email": "kantor@"}, "not an email address"),
    ({"level": "desa"}, "provinsi, kabupaten, kota"),
    ({"kota": "Serang"}, "unknown office setting"),
    ({"dated_hours": [{"label": "A", "from": "2027-02-08", "to": "2027-03-09", "hours": "senin 08:00-12:00"},
                      {"label": "B", "from": "2027-03-01", "to": "2027-03-20", "hours": "senin 08:00-12:00"}]},
     "overlap"),
    ({"dated_hours": [{"label": "A", "from": "8 Feb", "to": "2027-03-09", "hours": ""}]}, "YYYY-MM-DD"),
])
def test_a_setting_that_cannot_be_is_refused_with_what_to_fix_and_nothing_is_saved(rt, data, words):
    with pytest.raises(OfficeError, match=re.escape(words)):
        set_profile(rt, data, actor_id="kasi")
    assert load_profile(rt.store) == OfficeProfile() and audit(rt, "office") == []


def test_hours_read_as_people_write_them_and_print_back_the_same():
    week = parse_week("Senin-Kamis 07.30-16:00; jumat 07:30-11:30")
    assert format_week(week) == "senin-kamis 07:30-16:00, jumat 07:30-11:30"
    assert format_week(week, "en") == "monday-thursday 07:30-16:00, friday 07:30-11:30"
    assert profile_from_data(OfficeProfile().to_data()) == OfficeProfile()


def test_the_example_office_loads_whole_and_a_change_is_audited_with_before_and_after(rt):
    loaded = load_profile_file(rt, OFFICES / "office-banten.yaml", actor_id="kasi", now=MONDAY_9_WIB)
    assert (loaded.display_name, loaded.zone_name, loaded.level, loaded.city) == \
        ("DPMPTSP Provinsi Banten", "WIB", "provinsi", "Serang")
    assert loaded.dated_hours[0].covers(date(2027, 3, 1))
    set_profile(rt, {"email": "pengaduan@example.go.id"}, actor_id="kabid", now=MONDAY_9_WIB)
    assert current_office(rt).email == "pengaduan@example.go.id" and current_office(rt).name == loaded.name
    rows = audit(rt, "office")
    assert [r["actor_id"] for r in rows] == ["kasi", "kabid"]
    assert rows[1]["detail"]["changed"] == ["email"] and rows[1]["detail"]["to"] == {"email": "pengaduan@example.go.id"}
    set_profile(rt, {"email": "pengaduan@example.go.id"}, actor_id="kabid")  # no change, no row
    assert len(audit(rt, "office")) == 2


def test_new_office_hours_move_running_deadlines_and_say_so_in_the_trail(rt):
    """A 1-working-day clock opened Monday 09:00 WIB is due Tuesday 09:00; once the office opens at 10:00 on
    Tuesdays it is due Tuesday 10:00 (clamped into the day's hours), recomputed and audited per clock."""
    ticket = rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS, now=MONDAY_9_WIB).ticket
    before = {c.clock: c.due_at for c in rt.engine.load(ticket.id).clocks}
    set_profile(rt, {"hours": "senin 08:00-16:00, selasa 10:00-16:00, rabu-jumat 08:00-16:00"}, actor_id="kasi",
                now=MONDAY_9_WIB)
    after = {c.clock: c.due_at for c in rt.engine.load(ticket.id).clocks}
    tuesday_10_wib = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
    assert before["tanggapan_awal"] == tuesday_10_wib - timedelta(hours=1) and after["tanggapan_awal"] == tuesday_10_wib
    assert after["penyelesaian"] == before["penyelesaian"]  # calendar days know no office hours
    moved = [r for r in audit(rt, "calendar") if r["detail"]["clock"] == "tanggapan_awal"]
    assert moved and "profil kantor" in moved[0]["detail"]["why"]


def test_ramadan_hours_shorten_the_working_hours_of_their_dates_only():
    ramadan = profile_from_data({"hours": "senin-jumat 08:00-16:00", "dated_hours": [
        {"label": "Ramadan", "from": "2027-02-08", "to": "2027-03-09", "hours": "senin-jumat 08:00-14:00"}]})
    calendar = WorkingCalendar(**ramadan.calendar_settings())
    monday_in_ramadan = datetime(2027, 2, 15, 1, 0, tzinfo=timezone.utc)  # 08:00 WIB
    assert calendar.add(monday_in_ramadan, 8, "working_hours") == datetime(2027, 2, 16, 3, 0, tzinfo=timezone.utc)
    monday_after = datetime(2027, 4, 12, 1, 0, tzinfo=timezone.utc)
    assert calendar.add(monday_after, 8, "working_hours") == datetime(2027, 4, 12, 9, 0, tzinfo=timezone.utc)
    assert calendar.fingerprint() != WorkingCalendar().fingerprint()


def test_an_office_in_wita_counts_its_hours_in_wita(rt):
    set_profile(rt, {"timezone": "WITA"}, actor_id="kasi")
    rt.reload_calendar()
    assert rt.calendar.timezone == "Asia/Makassar"
    # Monday 08:00 WITA is 00:00 UTC: a working hour from then ends at 09:00 WITA
    assert rt.calendar.add(datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc), 1, "working_hours") == \
        datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)


def test_a_logo_is_a_small_image_recognised_by_its_bytes(rt):
    assert set_logo(rt, PNG, actor_id="kasi").content_type == "image/png"
    assert current_office(rt).logo_type == "image/png"
    for bad, words in ((b"<svg onload='alert(1)'/>", "PNG, JPEG or GIF"), (PNG + b"x" * 300_000, "at most 256 KB"),
                       (b"", "empty")):
        with pytest.raises(OfficeError, match=re.escape(words)):
            set_logo(rt, bad, actor_id="kasi")
    assert set_logo(rt, None, actor_id="kasi") is None and current_office(rt).logo_type is None


def test_an_office_agency_joins_the_catalog_for_fields_liaisons_and_definitions(rt):
    save_agency(rt, "camat_cikupa", {"label": "Camat Cikupa", "kind": "camat", "email": "camat@example.go.id"},
                actor_id="kasi")
    save_agency(rt, "dinas_esdm", {"email": "esdm@example.go.id"}, actor_id="kasi")  # amends a shipped agency
    opd = rt.catalogs["opd"]
    assert opd.label_of("camat_cikupa") == "Camat Cikupa" and opd.get("camat_cikupa").extra["source"] == "office"
    assert opd.get("dinas_esdm").extra["email"] == "esdm@example.go.id"
    assert opd.label_of("dinas_esdm").startswith("Dinas Energi")
    assert rt.engine.catalogs is rt.catalogs
    assert [r["detail"]["code"] for r in audit(rt, "agency")] == ["camat_cikupa", "dinas_esdm"]
    with pytest.raises(OfficeError, match="needs a name"):
        save_agency(rt, "kades_baru", {}, actor_id="kasi")
    with pytest.raises(OfficeError, match="not an agency code"):
        save_agency(rt, "Camat Baru", {"label": "x"}, actor_id="kasi")


def test_a_definitions_own_agency_list_is_checked_against_catalog_and_office_agencies(rt):
    text = (ROOT / "tests" / "fixtures" / "invalid" / "D230.yaml").read_text(encoding="utf-8")
    with pytest.raises(DefinitionError, match="D230"):
        publish(rt.store, text, file="d230.yaml", actor_id="kasi", now=MONDAY_9_WIB, catalogs=rt.catalogs)
    save_agency(rt, "dinas_esdmm", {"label": "Dinas yang baru"}, actor_id="kasi")
    assert publish(rt.store, text, file="d230.yaml", actor_id="kasi", now=MONDAY_9_WIB, catalogs=rt.catalogs).created


def test_notifications_name_the_office_and_show_times_in_its_zone(rt):
    from notifications.context import office_facts
    from notifications.templates import tanggal

    assert office_facts(rt)["office_name"] == "Layanan Pengaduan"  # nameless until the office says who it is
    set_profile(rt, {"short_name": "DPMPTSP Kota Contoh", "timezone": "WITA"}, actor_id="kasi")
    facts = office_facts(rt)
    assert facts == {"office_name": "DPMPTSP Kota Contoh", "office_timezone": "Asia/Makassar"}
    from notifications.templates import TEMPLATE_DIR, TemplateSet

    texts = {"id": "Subject: {{ office_name }}\n\n{{ due_at|tanggal }}"}
    subject, body = TemplateSet(TEMPLATE_DIR).render_text("uji", texts, "id", {**facts, "due_at": MONDAY_9_WIB})
    assert subject == "DPMPTSP Kota Contoh" and body == "Senin, 30 November 2026 10.00 WITA"
    assert tanggal(MONDAY_9_WIB) == "Senin, 30 November 2026 09.00 WIB"  # outside a render: WIB


def test_no_office_is_named_in_the_code():
    """Banten is example data (definitions, catalogs, the demo's YAML): workflow/, admin/ and notifications/
    Python code never names it, so every office reads as its own."""
    found = subprocess.run(["grep", "-rli", "--include=*.py", "banten", "workflow", "admin", "notifications"],
                           cwd=ROOT, capture_output=True, text=True)
    assert found.stdout == "", f"these modules name an office: {found.stdout}"
