"""A published report on SQLite and PostgreSQL: the office's edited text with the figures of the data, frozen
at publication (later complaints do not change it), rendered from the stored content to the same bytes every
time in DOCX, XLSX and HTML, the narrative escaped, the public copy naming no complainant."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from workflow.reports import render
from workflow.reports.documents import draft_report, open_draft, publish_report, published_report
from workflow.reports.narrative import generated_sections
from workflow.services import report_documents as docs

from .conftest import docx_text, xlsx_sheets

NOW = datetime(2021, 4, 6, 3, tzinfo=timezone.utc)


@pytest.fixture
def staffed(q1_2021, monkeypatch):
    from tests.web import CHEAP_HASH
    from workflow.services import users

    monkeypatch.setattr(users, "hash_password", lambda password: CHEAP_HASH)
    for name, roles in (("kasi", ["kepala_seksi"]), ("kadis", ["kepala_dinas"])):
        users.create_user(q1_2021.store, name, "kata-sandi-uji-123", roles, catalogs=q1_2021.catalogs, now=NOW)
    return q1_2021


def _publish(rt, sections):
    doc = open_draft(rt, "2021-Q1", None, actor_id="kasi", now=NOW)
    doc = docs.save_draft(rt.store, doc.id, sections, expected_version=doc.version, actor_id="kasi", now=NOW)
    doc = docs.approve(rt.store, doc.id, expected_version=doc.version, actor_id="kadis", now=NOW)
    return publish_report(rt, doc.id, expected_version=doc.version, actor_id="kadis", now=NOW)


def test_the_draft_starts_from_the_text_the_figures_give(staffed):
    doc = open_draft(staffed, "2021-Q1", None, actor_id="kasi", now=NOW)
    assert "Terdapat 16 pengaduan pada periode Triwulan I Tahun 2021" in doc.sections["analisa"]
    assert "DPMPTSP" in doc.sections["pendahuluan"] and "16 pengaduan" in doc.sections["kesimpulan"]
    preview = draft_report(staffed, doc, {**doc.sections, "kesimpulan": "Kesimpulan kantor."}, now=NOW)
    assert preview.total == 16 and [n.text for n in preview.narrative if n.key == "kesimpulan"] == [
        "Kesimpulan kantor."]


def test_a_published_report_is_frozen_and_renders_to_the_same_bytes(staffed):
    rt = staffed
    sections = {**generated_sections(draft_report(rt, open_draft(rt, "2021-Q1", None, actor_id="kasi", now=NOW),
                                                  now=NOW)),
                "kesimpulan": "Keterlambatan terutama pada tinjauan lapangan OPD.\n\n<script>alert(1)</script>",
                "rekomendasi": "- Tinjauan lapangan dijadwalkan dalam 3 hari kerja\n- =HYPERLINK(\"http://x\")"}
    pub = _publish(rt, sections)
    assert pub.number == 1
    report = published_report(docs.publication(rt.store, 1))
    assert report.total == 16 and report.publication.number == 1 and report.publication.approved_by == "kadis"
    docx = render(report, "docx")
    import time
    time.sleep(1.1)  # the zip writer would stamp another second
    again = published_report(docs.publication(rt.store, 1))
    for fmt in ("docx", "xlsx", "html", "json"):
        assert render(again, fmt) == render(report, fmt), fmt
    text = docx_text(docx)
    assert "Keterlambatan terutama pada tinjauan lapangan OPD." in text and "5.3 Kesimpulan" in text
    assert f"Kepala rantai audit saat terbit (SHA-256): {pub.audit_hash}" in text
    html = render(report, "html").decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "<li>Tinjauan lapangan dijadwalkan dalam 3 hari kerja</li>" in html
    narasi = xlsx_sheets(render(report, "xlsx"))["Narasi"]
    assert ["Rekomendasi", "\u2022 Tinjauan lapangan dijadwalkan dalam 3 hari kerja"] in [list(r) for r in narasi]
    assert not any(str(cell).startswith("=") for row in narasi for cell in row if cell)


def test_later_data_does_not_change_a_published_report(staffed):
    from workflow.services.imports import import_complaints

    from .conftest import Q1_CSV

    pub = _publish(staffed, generated_sections(draft_report(
        staffed, open_draft(staffed, "2021-Q1", None, actor_id="kasi", now=NOW), now=NOW)))
    before = render(published_report(pub), "json")
    import_complaints(staffed, Q1_CSV, actor_id="import", now=NOW)  # 16 more complaints of the same quarter
    assert published_report(docs.publication(staffed.store, pub.number)).total == 16
    assert render(published_report(docs.publication(staffed.store, pub.number)), "json") == before


def test_the_public_copy_names_no_complainant(staffed):
    pub = _publish(staffed, generated_sections(draft_report(
        staffed, open_draft(staffed, "2021-Q1", None, actor_id="kasi", now=NOW), now=NOW)))
    internal = published_report(pub)
    public = published_report(pub, public=True)
    names = {row.pemohon for row in internal.evaluation} - {"Dirahasiakan", "Anonim", "-"}
    assert names  # the office's own copy names them
    html = render(public, "html").decode("utf-8")
    assert not any(name in html for name in names)
    assert {row.pemohon for row in public.evaluation} == {"Dirahasiakan"}
