"""The definitions editor's "Dampak pada riwayat": a supervisor sees, before publishing, what a draft would have
done to the quarter's complaints, in labels and office time; a renamed action strands history and says where."""
from __future__ import annotations

from datetime import timedelta

import lxml.html

from tests.conftest import SOP

from .conftest import PETUGAS, TIM, csrf_from, login, open_ticket, utc

EDIT = "/admin/definisi/pengaduan-ptsp/edit"
WHATIF = "/admin/definisi/pengaduan-ptsp/dampak"
TEXT = SOP.read_text(encoding="utf-8")
RENAMED = TEXT.replace("teruskan_tim", "teruskan_ke_tim")


def history(rt):
    """Three complaints of 2026-Q4: one forwarded to the team, one answered at the desk, one left open."""
    start = utc(2026, 10, 5, 2)  # Monday 09:00 WIB
    engine = rt.engine
    forwarded = open_ticket(rt, now=start)
    engine.fire(forwarded, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"},
                now=start + timedelta(hours=1))
    engine.fire(forwarded, "teruskan_tim", PETUGAS, {}, now=start + timedelta(hours=2))
    engine.fire(forwarded, "minta_kelengkapan", TIM, {"kekurangan": "Salinan izin."}, now=start + timedelta(days=1))
    answered = open_ticket(rt, now=start + timedelta(days=2))
    engine.fire(answered, "verifikasi", PETUGAS, {"tingkat": "ringan", "kewenangan": "dalam"},
                now=start + timedelta(days=2, hours=1))
    engine.fire(answered, "jawab_langsung", PETUGAS, {"analisa": "Syarat.", "jawaban": "Lengkapi syarat."},
                now=start + timedelta(days=2, hours=2))
    open_ticket(rt, now=start + timedelta(days=3))


def post(client, source: str, **extra):
    token = csrf_from(client.get(EDIT).get_data(as_text=True))
    return client.post(WHATIF, data={"source": source, "csrf_token": token, "period": "2026-Q4", "base_version": "1",
                                     **extra})


def test_the_editor_offers_the_impact_on_history_for_the_draft_it_holds(client, rt):
    login(client, "kasi")
    doc = lxml.html.fromstring(client.get(EDIT).get_data(as_text=True))
    button = doc.xpath("//button[@id='btn-whatif']")[0]
    assert button.get("formaction") == WHATIF and "Dampak pada riwayat" in button.text_content()
    assert button.xpath("ancestor::form[@id='editor-form']")  # it sends the editor's text and CSRF token


def test_the_unchanged_sop_replays_every_complaint(client, rt):
    history(rt)
    login(client, "kasi")
    response = post(client, TEXT)
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    assert "3 pengaduan diputar ulang" in doc.xpath("//p[@id='whatif-summary']")[0].text_content()
    assert doc.xpath("//*[@id='whatif-all-replayed']")
    row = doc.xpath("//table[@id='whatif-clocks']//tr[@data-clock='penyelesaian']")[0].text_content()
    assert "Penyelesaian pengaduan (SOP 3.1.f)" in row and "7 hari kalender → 7 hari kalender" in row


def test_a_renamed_action_shows_which_complaints_are_stranded_and_why(client, rt):
    history(rt)
    login(client, "kasi")
    response = post(client, RENAMED)
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    assert doc.xpath("string(//*[@id='whatif-stranded-count'])") == "1"
    cause = doc.xpath("//table[@id='whatif-causes']/tbody/tr")[0].text_content()
    assert "Teruskan ke Tim Penanganan" in cause and "Terverifikasi" in cause and "teruskan_tim" in cause
    row = doc.xpath("//table[@id='whatif-stranded-list']/tbody/tr")[0]
    assert "WIB" in row.text_content() and "Petugas Front Office Pengaduan" in row.text_content()
    # the draft travels back in the form, so the supervisor can change the period and return to the editor
    assert doc.xpath("string(//form[@id='whatif-form']//textarea[@name='source'])") == RENAMED
    # nothing was published
    assert "teruskan_tim" in client.get(EDIT).get_data(as_text=True)


def test_bad_input_is_explained_and_the_draft_is_kept(client, rt):
    login(client, "kasi")
    broken = TEXT.replace("    to: terverifikasi\n", "    to: tidak_ada\n", 1)
    response = post(client, broken)
    assert response.status_code == 422
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    assert "Draf belum valid" in doc.xpath("string(//*[@id='whatif-problem'])")
    assert doc.xpath("string(//form[@id='whatif-form']//textarea[@name='source'])") == broken
    response = post(client, TEXT, period="kuartal tiga")
    assert response.status_code == 422 and "2021-Q1" in response.get_data(as_text=True)


def test_english_on_request(client, rt):
    history(rt)
    login(client, "kasi")
    client.get("/locale/en")
    html = post(client, TEXT).get_data(as_text=True)
    assert "Impact on history" in html and "3 complaint(s) replayed" in html and "Deadline" in html
    assert "Dampak pada riwayat" not in html
