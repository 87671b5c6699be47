"""The report the office signs, on the console: a kasi opens and edits the quarter's draft, a stale save keeps
the loser's text and shows the stored one beside it, only the kepala dinas approves and publishes, versions
are compared, the published report downloads byte-stable, and the public pages list it only when the office
chooses so, without complainant names."""
from __future__ import annotations

import re

import pytest

from tests.console.conftest import login
from tests.web import csrf_from
from workflow.services import report_documents as docs

BASE = "/admin/laporan/naskah"


def _open(client, period="2026-Q4"):
    token = csrf_from(client.get(BASE + "/").get_data(as_text=True))
    response = client.post(BASE + "/buka", data={"csrf_token": token, "period": period, "definition": ""})
    assert response.status_code == 302
    return int(re.search(r"/naskah/(\d+)$", response.headers["Location"]).group(1))


def _form(page: str) -> dict:
    out = {"csrf_token": csrf_from(page), "expected_version": re.search(
        r'name="expected_version" value="(\d+)"', page).group(1)}
    for key in ("pendahuluan", "analisa", "kesimpulan", "rekomendasi"):
        found = re.search(rf'name="{key}" rows="7">(.*?)</textarea>', page, re.S)
        out[key] = found.group(1).replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    return out


def test_a_kasi_edits_the_draft_from_the_generated_text(client, rt):
    login(client, "kasi")
    doc_id = _open(client)
    page = client.get(f"{BASE}/{doc_id}").get_data(as_text=True)
    form = _form(page)
    assert "Triwulan IV Tahun 2026" in form["pendahuluan"] and form["expected_version"] == "1"
    assert 'id="approve"' not in page  # the kasi does not approve
    form["kesimpulan"] = "Kesimpulan <b>kantor</b>: pelayanan berjalan."
    saved = client.post(f"{BASE}/{doc_id}/simpan", data=form)
    assert saved.status_code == 302
    page = client.get(f"{BASE}/{doc_id}").get_data(as_text=True)
    assert "Disimpan sebagai versi 2" in page
    assert "Kesimpulan &lt;b&gt;kantor&lt;/b&gt;: pelayanan berjalan." in page and "<b>kantor</b>" not in page
    assert 'data-version="2" data-action="save"' in page
    compare = client.get(f"{BASE}/{doc_id}/beda?dari=1&ke=2").get_data(as_text=True)
    assert 'data-section="kesimpulan" data-changed="yes"' in compare
    assert 'data-section="analisa" data-changed="no"' in compare
    assert "+ Kesimpulan &lt;b&gt;kantor&lt;/b&gt;" in compare


def test_a_stale_save_keeps_the_losers_text_and_shows_the_stored_one(app, rt):
    kasi, kabid = app.test_client(), app.test_client()
    login(kasi, "kasi")
    login(kabid, "kabid")
    doc_id = _open(kasi)
    first = _form(kasi.get(f"{BASE}/{doc_id}").get_data(as_text=True))
    second = _form(kabid.get(f"{BASE}/{doc_id}").get_data(as_text=True))
    assert kasi.post(f"{BASE}/{doc_id}/simpan", data={**first, "analisa": "Analisa versi kasi."}).status_code == 302
    lost = kabid.post(f"{BASE}/{doc_id}/simpan", data={**second, "analisa": "Analisa versi kabid, panjang."})
    page = lost.get_data(as_text=True)
    assert lost.status_code == 409
    assert "Teks Anda TIDAK hilang" in page and "kasi" in page
    assert '>Analisa versi kabid, panjang.</textarea>' in page  # the loser's text, still in the box
    assert 'data-section="analisa" style="white-space:pre-wrap">Analisa versi kasi.</pre>' in page
    assert docs.get_document(rt.store, doc_id).sections["analisa"] == "Analisa versi kasi."
    retry = kabid.post(f"{BASE}/{doc_id}/simpan", data=_form(page))  # saved over the current version now
    assert retry.status_code == 302 and docs.get_document(rt.store, doc_id).sections["analisa"].startswith(
        "Analisa versi kabid")


def test_only_the_kepala_dinas_approves_and_publishes_and_the_file_is_stable(app, rt):
    kasi, kadis = app.test_client(), app.test_client()
    login(kasi, "kasi")
    login(kadis, "kadis")
    doc_id = _open(kasi)
    page = kasi.get(f"{BASE}/{doc_id}").get_data(as_text=True)
    forged = kasi.post(f"{BASE}/{doc_id}/setujui", data={"csrf_token": csrf_from(page), "expected_version": "1"},
                       follow_redirects=True)
    assert "hanya kepala dinas" in forged.get_data(as_text=True)
    assert docs.get_document(rt.store, doc_id).status == "draft"
    page = kadis.get(f"{BASE}/{doc_id}").get_data(as_text=True)
    assert 'id="approve"' in page
    kadis.post(f"{BASE}/{doc_id}/setujui", data={"csrf_token": csrf_from(page), "expected_version": "1"})
    page = kadis.get(f"{BASE}/{doc_id}").get_data(as_text=True)
    assert 'id="publish"' in page
    kadis.post(f"{BASE}/{doc_id}/terbitkan", data={"csrf_token": csrf_from(page), "expected_version": "2"})
    assert docs.get_document(rt.store, doc_id).status == "published"
    listing = kasi.get(BASE + "/").get_data(as_text=True)
    assert 'class="publication-row" data-number="1"' in listing
    first = kasi.get(f"{BASE}/terbit/1/unduh?format=docx")
    assert first.status_code == 200 and "no1.docx" in first.headers["Content-Disposition"]
    assert kasi.get(f"{BASE}/terbit/1/unduh?format=docx").data == first.data
    shown = kasi.get(f"{BASE}/terbit/1").get_data(as_text=True)
    assert "Keterangan Penerbitan" in shown and "Nomor laporan" in shown
    page = kasi.get(f"{BASE}/{doc_id}").get_data(as_text=True)
    assert 'id="narrative-form"' not in page and 'id="reopen-form"' in page  # immutable; reissue only
    refused = kasi.post(f"{BASE}/{doc_id}/terbitkan-ulang", data={"csrf_token": csrf_from(page),
                                                                  "expected_version": "3", "reason": ""},
                        follow_redirects=True)
    assert "alasan penerbitan ulang" in refused.get_data(as_text=True)
    kasi.post(f"{BASE}/{doc_id}/terbitkan-ulang", data={"csrf_token": csrf_from(page), "expected_version": "3",
                                                        "reason": "Koreksi angka triwulan"})
    assert docs.get_document(rt.store, doc_id).reissue_reason == "Koreksi angka triwulan"


def test_a_bad_period_and_an_empty_section_say_what_to_do(client, rt):
    login(client, "kasi")
    token = csrf_from(client.get(BASE + "/").get_data(as_text=True))
    bad = client.post(BASE + "/buka", data={"csrf_token": token, "period": "Q9"}, follow_redirects=True)
    assert "2021-Q1" in bad.get_data(as_text=True)
    doc_id = _open(client)
    form = _form(client.get(f"{BASE}/{doc_id}").get_data(as_text=True))
    refused = client.post(f"{BASE}/{doc_id}/simpan", data={**form, "analisa": "  ", "kesimpulan": "Tetap ada."})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "wajib diisi" in page and ">Tetap ada.</textarea>" in page


@pytest.mark.parametrize("listed", [False, True])
def test_the_public_pages_list_published_reports_only_when_the_office_chooses(app, rt, listed):
    from workflow.services.office import set_profile

    kadis = app.test_client()
    login(kadis, "kadis")
    doc_id = _open(kadis)
    docs.approve(rt.store, doc_id, expected_version=1, actor_id="kadis")
    from workflow.reports.documents import publish_report
    publish_report(rt, doc_id, expected_version=2, actor_id="kadis", now=rt.engine.now())
    set_profile(rt, {"public_reports": listed}, actor_id="kadis", now=rt.engine.now())
    visitor = app.test_client()
    listing = visitor.get("/laporan")
    home = visitor.get("/").get_data(as_text=True)
    if not listed:
        assert listing.status_code == 404 and visitor.get("/laporan/1").status_code == 404
        assert 'id="public-reports-link"' not in home
        return
    assert listing.status_code == 200 and 'data-number="1"' in listing.get_data(as_text=True)
    assert 'id="public-reports-link"' in home
    page = visitor.get("/laporan/1")
    assert page.status_code == 200 and "Keterangan Penerbitan" in page.get_data(as_text=True)
    docx = visitor.get("/laporan/1/unduh/docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    assert visitor.get("/laporan/1/unduh/json").status_code == 404
