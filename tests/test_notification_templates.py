"""Notification templates: every key in both languages, strict contexts, and WIB date formatting."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from notifications.errors import NotificationError
from notifications.templates import (
    TEMPLATE_DIR,
    WIB,
    TemplateError,
    TemplateMissing,
    TemplateSet,
    available_templates,
    date_en,
    durasi,
    duration_en,
    render,
    tanggal,
)

RECEIVED = datetime(2026, 11, 23, 7, 5, tzinfo=timezone.utc)  # Senin, 23 November 2026 14.05 WIB
DUE = RECEIVED + timedelta(days=7)  # Senin, 30 November 2026 14.05 WIB
RECEIPT = "PGD-2026-000123"

COMPLAINANT = {
    "office_name": "DPMPTSP Provinsi Banten",
    "receipt_number": RECEIPT,
    "tracking_url": "https://pengaduan.bantenprov.test/lacak/PGD-2026-000123",
}
STAFF = {
    "office_name": "DPMPTSP Provinsi Banten",
    "receipt_number": RECEIPT,
    "recipient_name": "Budi Santoso",
    "ticket_title": "SIPEKA tidak dapat diakses saat unggah dokumen",
    "ticket_url": "https://alur.bantenprov.test/tiket/123",
}

# key -> (required context, optional context, the deadline the text must show)
CONTEXTS: dict[str, tuple[dict, dict, datetime]] = {
    "tanda_terima": (
        {**COMPLAINANT, "received_at": RECEIVED, "channel": "WhatsApp", "due_at": DUE},
        {"complainant_name": "Siti Rahmawati", "summary": "Izin usaha tertahan di OSS"},
        DUE,
    ),
    "minta_kelengkapan": (
        {**COMPLAINANT, "missing_items": ["Salinan NIB", "Bukti pembayaran retribusi"]},
        {"complainant_name": "Siti Rahmawati", "reply_before": RECEIVED + timedelta(days=3)},
        RECEIVED + timedelta(days=3),
    ),
    "jawaban": (
        {**COMPLAINANT, "answer": "Izin Anda telah terbit dan dapat diunduh di SIPEKA.", "answered_at": DUE},
        {"complainant_name": "Siti Rahmawati", "answered_by": "Tim Penanganan Pengaduan"},
        DUE,
    ),
    "diteruskan_opd": (
        {**COMPLAINANT, "opd_name": "Dinas ESDM Provinsi Banten", "forwarded_at": DUE},
        {
            "complainant_name": "Siti Rahmawati",
            "opd_contact": "(0254) 267 001",
            "reason": "Izin usaha pertambangan adalah kewenangan Dinas ESDM",
        },
        DUE,
    ),
    "pengalihan_instansi": (
        {"office_name": "DPMPTSP Provinsi Banten", "receipt_number": RECEIPT, "recipient_name": "Dinas LHK",
         "summary": "Limbah pabrik mencemari sungai", "category": "Lain-lain", "received_at": RECEIVED,
         "forwarded_at": DUE, "complaint": {"uraian": "Air sungai berwarna hitam sejak pabrik beroperasi."}},
        {"reason": "Pengawasan lingkungan kewenangan Dinas LHK",
         "complainant": {"nama": "Siti Rahmawati", "telepon": "+6281234567890"}},
        DUE,
    ),
    "tugas_baru": (
        {**STAFF, "category": "Sistem SIPEKA", "severity": "Sedang", "due_at": DUE},
        {"assigned_by": "Kepala Seksi Pelaporan dan Pengaduan", "note": "Pemohon menunggu sejak Senin"},
        DUE,
    ),
    "serah_opd": (
        {**STAFF, "opd_name": "Dinas PUPR Provinsi Banten", "handed_at": RECEIVED, "ack_due_at": DUE},
        {"request": "Pemeriksaan lapangan lokasi usaha", "answer_due_at": DUE + timedelta(days=2)},
        DUE,
    ),
    "peringatan_tenggat": (
        {**STAFF, "percent": 80, "due_at": DUE},
        {"stage": "Penyelesaian pengaduan (7 hari kalender)"},
        DUE,
    ),
    "eskalasi": (
        {**STAFF, "due_at": DUE, "overdue_by": timedelta(days=1, hours=3, minutes=20)},
        {"escalated_from": "Tim Penanganan Pengaduan", "stage": "Penyelesaian pengaduan"},
        DUE,
    ),
    "konfirmasi_penutupan": (
        {**COMPLAINANT, "closed_at": DUE},
        {"complainant_name": "Siti Rahmawati", "outcome_summary": "Izin telah terbit"},
        DUE,
    ),
}

FORMAT = {"id": tanggal, "en": date_en}


def full_context(key: str) -> dict:
    required, optional, _ = CONTEXTS[key]
    return {**required, **optional}


def test_available_templates_are_the_nine_keys():
    assert available_templates() == set(CONTEXTS)


@pytest.mark.parametrize("key", sorted(CONTEXTS))
def test_every_key_exists_in_both_languages(key):
    """A missing English file would silently fall back to Indonesian; catch it here instead."""
    assert TemplateSet(TEMPLATE_DIR).locales(key) == {"id", "en"}


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("key", sorted(CONTEXTS))
def test_every_template_renders_with_a_full_context(key, locale):
    _, _, deadline = CONTEXTS[key]

    subject, body = render(key, locale, full_context(key))

    assert RECEIPT in subject
    assert RECEIPT in body
    assert FORMAT[locale](deadline) in body
    assert "\n" not in subject and subject == subject.strip()
    assert "{{" not in body and "{%" not in body and "None" not in body
    assert "\n\n\n" not in body
    assert body == body.strip()
    assert "DPMPTSP Provinsi Banten" in body


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("key", sorted(CONTEXTS))
def test_optional_variables_may_be_left_out(key, locale):
    required, optional, deadline = CONTEXTS[key]

    subject, body = render(key, locale, required)

    assert RECEIPT in subject
    assert FORMAT[locale](deadline) in body or key == "minta_kelengkapan"  # reply_before is optional
    for value in optional.values():
        assert str(value) not in body


def test_locales_really_differ():
    subject_id, body_id = render("tanda_terima", "id", full_context("tanda_terima"))
    subject_en, body_en = render("tanda_terima", "en", full_context("tanda_terima"))

    assert subject_id == "Tanda terima pengaduan PGD-2026-000123"
    assert subject_en == "Complaint received: PGD-2026-000123"
    assert "7 (tujuh) hari kalender" in body_id
    assert "7 (seven) calendar days" in body_en
    assert "Senin, 30 November 2026 14.05 WIB" in body_id
    assert "Monday, 30 November 2026 14:05 WIB (UTC+7)" in body_en


def test_receipt_shows_channel_tracking_link_and_free_of_charge_notice():
    _, body = render("tanda_terima", "id", full_context("tanda_terima"))

    assert "Saluran          : WhatsApp" in body
    assert "Diterima         : Senin, 23 November 2026 14.05 WIB" in body
    assert "https://pengaduan.bantenprov.test/lacak/PGD-2026-000123" in body
    assert "tidak dipungut biaya" in body


def test_request_for_information_lists_items_and_says_the_clock_is_paused():
    _, body = render("minta_kelengkapan", "id", full_context("minta_kelengkapan"))

    assert "1. Salinan NIB\n2. Bukti pembayaran retribusi" in body
    assert "dihentikan sementara" in body
    assert "membalas pesan ini" in body


def test_escalation_states_how_late_the_ticket_is():
    subject_id, _ = render("eskalasi", "id", full_context("eskalasi"))
    subject_en, _ = render("eskalasi", "en", full_context("eskalasi"))

    assert subject_id == "Eskalasi: pengaduan PGD-2026-000123 terlambat 1 hari 3 jam"
    assert subject_en == "Escalation: complaint PGD-2026-000123 overdue by 1 day 3 hours"


def test_deadline_warning_shows_the_percentage():
    subject, body = render("peringatan_tenggat", "id", full_context("peringatan_tenggat"))

    assert subject == "Peringatan tenggat 80%: pengaduan PGD-2026-000123"
    assert "telah terpakai 80%" in body


def test_anonymous_complainant_is_greeted_without_a_name():
    required, _, _ = CONTEXTS["jawaban"]

    _, body_id = render("jawaban", "id", required)
    _, body_en = render("jawaban", "en", required)

    assert body_id.startswith("Yth. Bapak/Ibu,\n")
    assert body_en.startswith("Dear Sir or Madam,\n")


@pytest.mark.parametrize("key", ["tugas_baru", "serah_opd", "peringatan_tenggat", "eskalasi"])
def test_staff_messages_never_carry_the_complainants_identity(key):
    """Officers and OPD liaisons see identity in the ticket, under its access rules, not in email or WhatsApp."""
    context = {**full_context(key), "complainant_name": "Siti Rahmawati", "complainant_phone": "+6281234567890"}

    for locale in ("id", "en"):
        subject, body = render(key, locale, context)
        assert "Siti Rahmawati" not in subject + body
        assert "+6281234567890" not in subject + body


def test_text_is_not_html_escaped():
    context = {**full_context("jawaban"), "answer": "Biaya <Rp 0> & tidak ada \"pungutan\" lain."}

    _, body = render("jawaban", "id", context)

    assert 'Biaya <Rp 0> & tidak ada "pungutan" lain.' in body


def test_a_line_break_in_a_value_cannot_split_the_subject():
    context = {**full_context("diteruskan_opd"), "opd_name": "Dinas ESDM\nProvinsi Banten"}

    subject, _ = render("diteruskan_opd", "id", context)

    assert subject == "Pengaduan PGD-2026-000123 diteruskan ke Dinas ESDM Provinsi Banten"


REQUIRED_VARIABLES = [(key, name) for key, (required, _, _) in sorted(CONTEXTS.items()) for name in sorted(required)]


@pytest.mark.parametrize(("key", "name"), REQUIRED_VARIABLES)
def test_missing_context_variable_raises(key, name):
    context = full_context(key)
    del context[name]

    with pytest.raises(TemplateError, match=f"'{name}' is undefined") as caught:
        render(key, "id", context)

    assert f"{key}.id.txt" in str(caught.value)
    assert "add it to the context" in str(caught.value)
    assert not isinstance(caught.value, TemplateMissing)


def test_naive_datetime_is_refused_not_guessed():
    context = {**full_context("tanda_terima"), "due_at": datetime(2026, 11, 30, 14, 5)}

    with pytest.raises(TemplateError, match="has no time zone"):
        render("tanda_terima", "id", context)


def test_unknown_key_raises_template_missing_with_a_suggestion():
    with pytest.raises(TemplateMissing, match="did you mean 'tanda_terima'") as caught:
        render("tanda_trima", "id", {})

    assert caught.value.key == "tanda_trima"
    assert isinstance(caught.value, NotificationError)
    assert "konfirmasi_penutupan" in str(caught.value)


@pytest.mark.parametrize("key", ["../setup", "_penutup_pemohon", "Tanda_Terima", ""])
def test_paths_partials_and_odd_keys_are_not_templates(key):
    with pytest.raises(TemplateMissing):
        render(key, "id", full_context("tanda_terima"))


def test_unknown_locale_falls_back_to_indonesian():
    expected = render("jawaban", "id", full_context("jawaban"))

    assert render("jawaban", "jv", full_context("jawaban")) == expected
    assert render("jawaban", "EN-us", full_context("jawaban")) == expected


def test_missing_locale_file_falls_back_to_indonesian(tmp_path):
    (tmp_path / "pengumuman.id.txt").write_text("Subject: Pengumuman {{ n }}\n\nIsi {{ n }}\n", encoding="utf-8")
    templates = TemplateSet(tmp_path)

    assert templates.render("pengumuman", "en", {"n": 1}) == ("Pengumuman 1", "Isi 1")
    assert templates.keys() == {"pengumuman"}


def test_key_without_indonesian_version_is_missing_for_other_locales(tmp_path):
    (tmp_path / "notice.en.txt").write_text("Subject: Notice\n\nText\n", encoding="utf-8")
    templates = TemplateSet(tmp_path)

    with pytest.raises(TemplateMissing, match="add notice.id.txt"):
        templates.render("notice", "jv", {})

    assert templates.render("notice", "en", {}) == ("Notice", "Text")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("Perihal: x\n\nIsi\n", "first line must be 'Subject: ...'"),
        ("Subject: x\nIsi langsung\n", "line 2 must be blank"),
        ("Subject:  \n\nIsi\n", "subject rendered empty"),
        ("Subject: x\n\n\n", "body rendered empty"),
        ("Subject: x\n\n{% if %}\n", r"rusak\.id\.txt, line 3"),
    ],
)
def test_malformed_template_files_raise_template_error(tmp_path, text, pattern):
    (tmp_path / "rusak.id.txt").write_text(text, encoding="utf-8")

    with pytest.raises(TemplateError, match=pattern):
        TemplateSet(tmp_path).render("rusak", "id", {})


# ---------------------------------------------------------------------- filters


def test_tanggal_formats_indonesian_dates_in_wib():
    assert tanggal(datetime(2026, 11, 30, 7, 5, tzinfo=timezone.utc)) == "Senin, 30 November 2026 14.05 WIB"
    assert tanggal(datetime(2026, 11, 30, 14, 5, tzinfo=WIB)) == "Senin, 30 November 2026 14.05 WIB"


def test_tanggal_moves_to_the_next_day_across_midnight_wib():
    assert tanggal(datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)) == "Jumat, 1 Januari 2027 00.00 WIB"


def test_tanggal_converts_from_other_zones():
    wita = timezone(timedelta(hours=8))

    assert tanggal(datetime(2026, 8, 17, 10, 0, tzinfo=wita)) == "Senin, 17 Agustus 2026 09.00 WIB"


@pytest.mark.parametrize(
    ("day", "name"),
    [(30, "Senin"), (1, "Selasa"), (2, "Rabu"), (3, "Kamis"), (4, "Jumat"), (5, "Sabtu"), (6, "Minggu")],
)
def test_tanggal_day_names(day, name):
    value = date(2026, 11, 30) if day == 30 else date(2026, 12, day)

    assert tanggal(value).startswith(f"{name}, ")


MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
             "November", "Desember"]  # fmt: skip


@pytest.mark.parametrize(("month", "name"), list(enumerate(MONTHS_ID, start=1)))
def test_tanggal_month_names(month, name):
    assert f" 15 {name} 2026" in tanggal(date(2026, month, 15))


def test_tanggal_of_a_date_has_no_time():
    assert tanggal(date(2026, 11, 30)) == "Senin, 30 November 2026"
    assert date_en(date(2026, 11, 30)) == "Monday, 30 November 2026"


def test_date_en_formats_english_dates_in_wib():
    assert date_en(datetime(2026, 11, 30, 7, 5, tzinfo=timezone.utc)) == "Monday, 30 November 2026 14:05 WIB (UTC+7)"
    assert date_en(datetime(2027, 1, 1, 0, 0, tzinfo=WIB)).startswith("Friday, 1 January 2027")


def test_date_filters_refuse_naive_datetimes_and_other_types():
    with pytest.raises(ValueError, match="has no time zone"):
        tanggal(datetime(2026, 11, 30, 14, 5))
    with pytest.raises(TypeError, match="expects a date or datetime"):
        date_en("2026-11-30")


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (timedelta(days=1, hours=3, minutes=20), "1 hari 3 jam", "1 day 3 hours"),
        (timedelta(days=2), "2 hari", "2 days"),
        (timedelta(days=2, minutes=5), "2 hari", "2 days"),
        (timedelta(hours=1, minutes=1), "1 jam 1 menit", "1 hour 1 minute"),
        (timedelta(minutes=45, seconds=59), "45 menit", "45 minutes"),
        (timedelta(seconds=30), "kurang dari 1 menit", "less than a minute"),
    ],
)
def test_duration_filters(value, indonesian, english):
    assert durasi(value) == indonesian
    assert duration_en(value) == english


def test_duration_filters_refuse_negative_spans():
    with pytest.raises(ValueError, match="negative"):
        durasi(timedelta(hours=-1))
