"""The check against the source: importing the Q1 2021 report's own evaluation table and generating
the Q1 2021 report reproduces the report's rekapitulasi, in every format."""
from __future__ import annotations

import base64
import json

from workflow.reports import build_for_runtime, render
from workflow.reports.render_xlsx import sheet_name
from workflow.reports.tables import report_tables

from .conftest import docx_tables, docx_text, rekap_from_rows, xlsx_sheets

# Section 3.3 of the source report (Kesehatan: "-").
EXPECTED = {
    "Energi dan Sumber Daya Mineral": 5, "Pekerjaan Umum dan Perumahan Rakyat": 3, "Pendidikan dan Kebudayaan": 2,
    "Lingkungan Hidup dan Kehutanan": 2, "Kelautan dan Perikanan": 1, "Perhubungan": 1, "Sosial": 1,
    "Perindustrian dan Perdagangan": 1,
}
ESDM_ITEMS = [("Surat Izin Pemakaian/Pengusahaan Air Tanah (SIPA)", 3, "Durasi Waktu"),
              ("Izin Operasi (IO)", 1, "Sistem SIPEKA"),
              ("Izin Usaha Jasa Penunjang Tenaga Listrik (IUJPTL)", 1, "Pemahaman Pemohon")]
PUPR_ITEMS = [("Izin Pemanfaatan Bagian-Bagian Jalan", 1, "Durasi Waktu"),
              ("Izin Pemanfaatan Bagian-Bagian Jalan", 2, "Pemahaman Pemohon")]


def test_q1_2021_rekapitulasi_reproduces_the_source_report(q1_2021):
    report = build_for_runtime(q1_2021, "2021-Q1")
    rekap = report.rekapitulasi
    assert rekap.total == report.total == 16
    assert len(rekap.sectors) == 15  # every sector of the catalog, in its order
    by_label = {s.label: s for s in rekap.sectors}
    for label, n in EXPECTED.items():
        assert by_label[label].total == n, label
    assert by_label["Kesehatan"].total == 0 and by_label["Kesehatan"].items == ()
    assert [(i.label, i.count, i.kategori_label) for i in by_label["Energi dan Sumber Daya Mineral"].items] \
        == ESDM_ITEMS
    assert [(i.label, i.count, i.kategori_label) for i in by_label["Pekerjaan Umum dan Perumahan Rakyat"].items] \
        == PUPR_ITEMS
    assert {c.label: c.count for c in report.by_kategori if c.count} == {
        "Durasi Waktu": 6, "Pemahaman Pemohon": 7, "Sistem SIPEKA": 2, "Kebijakan": 1}
    assert [c.count for c in report.by_month] == [4, 4, 8]
    # imported history has no clocks: counted, but not measured
    assert report.sla.unmeasured_imported == 16 and report.sla.measured == 0
    assert all(s.runs == 0 for s in report.sla.clocks)


def test_q1_2021_docx_tables_hold_the_rekapitulasi_and_the_evaluation(q1_2021):
    report = build_for_runtime(q1_2021, "2021-Q1")
    data = render(report, "docx")
    text = docx_text(data)
    assert "LAPORAN EVALUASI PENGADUAN PADA PELAYANAN TERPADU SATU PINTU PROVINSI BANTEN TRIWULAN I TAHUN 2021" in text
    for chapter in ("BAB I\nPENDAHULUAN", "BAB II\nSARANA DAN PRASARANA", "BAB III\nPELAKSANAAN PELAYANAN PENGADUAN",
                    "BAB IV\nEVALUASI PELAKSANAAN PELAYANAN PENGADUAN", "BAB V\nANALISA DAN RENCANA TINDAK LANJUT"):
        assert chapter in text
    tables = docx_tables(data)
    rows = tables["Tabel 3.1 Rekapitulasi pengaduan"]
    assert rows[0] == ["NO", "SEKTOR DAN JENIS PERIZINAN", "Jumlah Pengaduan", "Kategori Pengaduan"]
    rekap = rekap_from_rows(rows)
    assert rekap["TOTAL"][0] == "16"
    for label, n in EXPECTED.items():
        assert rekap[label][0] == str(n)
    assert rekap["Kesehatan"][0] == "-"
    assert rows[rows.index(["H. Kesehatan", "H. Kesehatan", "-", ""]) + 1] == ["-", "-", "-", "-"]
    assert rekap["Energi dan Sumber Daya Mineral"][1] == [(a, str(b), c) for a, b, c in ESDM_ITEMS]
    evaluation = tables["Tabel 4.1 Evaluasi pengaduan"]
    assert evaluation[0] == ["No", "Pemohon/Perihal Pengaduan", "Tgl", "Analisa", "Tindak Lanjut"]
    assert len(evaluation) == 17
    # oldest first: PT Corsa Industries (5 Jan 2021) leads
    assert evaluation[1][1].startswith("PT Corsa Industries, Proses Izin Usaha Industri")
    assert evaluation[1][2] == "05/01/2021"
    mega = next(r for r in evaluation if r[1].startswith("PT. Mega Akses Persada"))
    assert mega[2] == "18/01/2021"
    assert mega[3] == "Pemohon belum dilakukan peninjauan lapangan oleh Dinas PUPR"
    assert mega[4].startswith("Berkoordinasi dengan Dinas PUPR")
    sla = tables["Tabel 4.2 Ketepatan waktu per tahapan"]
    assert any("tidak terukur" in cell for row in sla for cell in row)


def test_q1_2021_xlsx_has_one_sheet_per_table_with_the_same_cells(q1_2021):
    report = build_for_runtime(q1_2021, "2021-Q1")
    sheets = xlsx_sheets(render(report, "xlsx"))
    assert set(sheet_name(t) for t in report_tables(report)) <= set(sheets)
    rows = sheets["3.1 Rekapitulasi pengaduan"]
    assert rows[0][0] == "Tabel 3.1 Rekapitulasi pengaduan"
    rekap = rekap_from_rows(rows[1:])
    assert rekap["TOTAL"][0] == 16
    assert {k: v[0] for k, v in rekap.items() if k in EXPECTED} == EXPECTED
    assert rekap["Kesehatan"][0] == "-"
    assert rekap["Pekerjaan Umum dan Perumahan Rakyat"][1] == PUPR_ITEMS
    evaluation = sheets["4.1 Evaluasi pengaduan"]
    assert len(evaluation) == 2 + 16
    assert {row[2] for row in evaluation[2:]} >= {"18/01/2021", "22/03/2021"}


def test_q1_2021_json_figures_equal_the_docx_figures(q1_2021):
    report = build_for_runtime(q1_2021, "2021-Q1")
    data = json.loads(render(report, "json"))
    tables = docx_tables(render(report, "docx"))
    rekap = rekap_from_rows(tables["Tabel 3.1 Rekapitulasi pengaduan"])
    assert data["total"] == int(rekap["TOTAL"][0]) == 16
    for sector in data["rekapitulasi"]["sectors"]:
        docx_total, docx_items = rekap[sector["label"]]
        assert docx_total == (str(sector["total"]) if sector["total"] else "-")
        assert docx_items == [(i["label"], str(i["count"]), i["kategori_label"]) for i in sector["items"]]
    categories = {row[1]: row[2] for row in tables["Tabel 3.2 Pengaduan per kategori"][1:-1]}
    assert categories == {c["label"]: (str(c["count"]) if c["count"] else "-") for c in data["by_kategori"]}
    evaluation = tables["Tabel 4.1 Evaluasi pengaduan"][1:]
    assert [(row[2], row[3]) for row in evaluation] == [(e["tanggal"], e["analisa"]) for e in data["evaluation"]]
    assert data["sla"]["unmeasured_imported"] == 16
    assert data["sla"]["calendar"]["fingerprint"] == q1_2021.calendar.fingerprint()
    assert {h["day"] for h in data["sla"]["calendar"]["holidays"]} >= {"2021-02-12", "2021-03-11"}


def test_q1_2021_html_has_the_charts_and_the_tables(q1_2021):
    report = build_for_runtime(q1_2021, "2021-Q1")
    html = render(report, "html").decode("utf-8")
    for chart in ("bulan", "kategori", "sektor", "ketepatan"):
        marker = f'data-chart="{chart}"'
        assert marker in html
        src = html.split(marker)[0].rsplit('src="', 1)[1].split('"', 1)[0]
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    for number in ("3.1", "3.2", "4.1", "4.2", "4.3", "4.4", "5.1", "5.2"):
        assert f'id="tabel-{number}"' in html
    assert "Tabel 3.1 Rekapitulasi pengaduan" in html and "PT. Mega Akses Persada" in html
    assert '<td colspan="2">H. Kesehatan</td><td>-</td>' in html
