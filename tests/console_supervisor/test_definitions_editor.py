"""The definitions editor: Periksa shows problems at their lines, Terbitkan publishes a new version,
stale edits are refused."""
from __future__ import annotations

import lxml.html
from sqlalchemy import select

from tests.conftest import SOP
from workflow.store import models as m

from .conftest import csrf_from, login, open_ticket

EDIT = "/admin/definisi/pengaduan-ptsp/edit"
TEXT = SOP.read_text(encoding="utf-8")
BROKEN = TEXT.replace("    to: terverifikasi\n", "    to: terverifikasi_x\n", 1)
BROKEN_LINE = BROKEN.splitlines().index("    to: terverifikasi_x") + 1
LONGER_OPD_ANSWER = TEXT.replace("budget: {amount: 2, unit: working_days}", "budget: {amount: 3, unit: working_days}")


def versions(rt) -> list[int]:
    with rt.db.connect() as conn:
        return [v for (v,) in conn.execute(select(m.definitions.c.version).order_by(m.definitions.c.version))]


def editor(client) -> tuple[str, str]:
    response = client.get(EDIT)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    return csrf_from(html), doc.xpath("//input[@name='base_version']")[0].get("value")


def post(client, source: str, action: str, token: str, base: str, note: str = ""):
    return client.post(EDIT, data={"source": source, "action": action, "csrf_token": token, "base_version": base,
                                   "note": note})


def test_editor_shows_the_published_text_with_its_version(client, rt):
    login(client, "kasi")
    html = client.get(EDIT).get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    assert doc.get_element_by_id("yaml-source").text_content() == TEXT
    assert doc.get_element_by_id("base-version").text_content() == "1"


def test_an_invalid_definition_shows_its_problems_at_their_lines_and_publishes_nothing(client, rt):
    login(client, "kasi")
    token, base = editor(client)
    for action, status in (("check", 200), ("publish", 422)):
        response = post(client, BROKEN, action, token, base)
        assert response.status_code == status
        doc = lxml.html.fromstring(response.get_data(as_text=True))
        problems = doc.xpath("//li[contains(@class,'problem')]")
        first = next(p for p in problems if p.get("data-code") == "D201")
        assert first.get("data-line") == str(BROKEN_LINE)
        text = first.text_content()
        assert f"baris {BROKEN_LINE}" in text and "terverifikasi_x" in text
        assert "maksud Anda 'terverifikasi'?" in text  # the hint tells the fix, in Indonesian (workflow.spec.messages)
        assert "tahap 'terverifikasi_x' tidak dikenal" in text
        assert "to: terverifikasi_x" in text  # the offending line itself is quoted
        assert str(BROKEN_LINE) in doc.get_element_by_id("yaml-source").get("data-error-lines")
        assert doc.get_element_by_id("yaml-source").text_content() == BROKEN  # the edited text is kept
    assert versions(rt) == [1]


def test_a_valid_edit_is_checked_then_published_as_version_2_with_its_diff(client, rt):
    login(client, "kasi")
    token, base = editor(client)
    checked = post(client, LONGER_OPD_ANSWER, "check", token, base)
    doc = lxml.html.fromstring(checked.get_data(as_text=True))
    assert doc.get_element_by_id("valid-message") is not None
    [row] = doc.xpath("//div[@id='semantic-diff']//tr[@data-key='opd_jawaban']")
    assert row.get("data-change") == "changed" and "3 hari kerja" in row.text_content()
    assert "+    budget: {amount: 3, unit: working_days}" in doc.get_element_by_id("text-diff").text_content()
    assert doc.get_element_by_id("impact-ok") is not None
    assert doc.xpath("//details[@id='draft-diagram']//svg") or "Pratinjau draf" in checked.get_data(as_text=True)
    assert versions(rt) == [1]  # checking publishes nothing

    published = post(client, LONGER_OPD_ANSWER, "publish", token, base, note="SK Kepala Dinas 12/2026")
    assert published.status_code == 302
    assert published.headers["Location"].endswith("/admin/definisi/pengaduan-ptsp/v2")
    assert versions(rt) == [1, 2]
    assert rt.engine.definition("pengaduan-ptsp").clocks["opd_jawaban"].budget.amount == 3

    page = lxml.html.fromstring(client.get("/admin/definisi/pengaduan-ptsp/v2").get_data(as_text=True))
    assert page.get_element_by_id("version-badge").text_content() == "v2"
    assert page.xpath("//div[@id='semantic-diff']//tr[@data-key='opd_jawaban'][@data-change='changed']")
    assert page.xpath("//svg[@data-version='2']") or "data-version=\"2\"" in client.get(
        "/admin/definisi/pengaduan-ptsp/v2").get_data(as_text=True)
    listing = lxml.html.fromstring(client.get("/admin/definisi/").get_data(as_text=True))
    assert [r.get("data-version") for r in listing.xpath("//tr[contains(@class,'version-row')]")] == ["2", "1"]
    assert "SK Kepala Dinas 12/2026" in listing.text_content()

    [event] = [r for r in rt.store.audit_rows(kind="publish") if r["definition_version"] == 2]
    assert event["actor_id"] == "kasi"


def test_publishing_on_a_stale_base_is_refused_and_keeps_the_text(client, app, rt):
    login(client, "kasi")
    token, base = editor(client)
    other = app.test_client()
    login(other, "kabid")
    other_token, other_base = editor(other)
    assert post(other, LONGER_OPD_ANSWER, "publish", other_token, other_base).status_code == 302

    mine = TEXT.replace("budget: {amount: 7, unit: calendar_days}", "budget: {amount: 6, unit: calendar_days}")
    refused = post(client, mine, "publish", token, base)
    assert refused.status_code == 409
    doc = lxml.html.fromstring(refused.get_data(as_text=True))
    message = doc.get_element_by_id("stale-message").text_content()
    assert "Versi 2 diterbitkan oleh kabid" in message and "Tidak ada yang diterbitkan" in message
    assert doc.get_element_by_id("yaml-source").text_content() == mine
    # the difference shown is now against version 2, which this text would replace
    assert doc.xpath("//div[@id='semantic-diff']//tr[@data-key='opd_jawaban']")
    assert doc.xpath("//input[@name='base_version']")[0].get("value") == "2"
    assert versions(rt) == [1, 2]

    again = post(client, mine, "publish", token, "2")  # knowingly, after review
    assert again.status_code == 302 and versions(rt) == [1, 2, 3]


def test_publishing_needs_the_csrf_token(client, rt):
    login(client, "kasi")
    _, base = editor(client)
    response = client.post(EDIT, data={"source": LONGER_OPD_ANSWER, "action": "publish", "base_version": base})
    assert response.status_code == 400
    assert versions(rt) == [1]


def test_the_key_cannot_be_changed_in_the_editor(client, rt):
    login(client, "kasi")
    token, base = editor(client)
    response = post(client, TEXT.replace("key: pengaduan-ptsp", "key: pengaduan-lain"), "publish", token, base)
    assert response.status_code == 422
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    [problem] = doc.xpath("//li[@data-code='D900']")
    assert problem.get("data-line") == str(TEXT.splitlines().index("key: pengaduan-ptsp") + 1)
    assert versions(rt) == [1]


def test_the_impact_names_open_tickets_in_removed_states(client, rt):
    open_ticket(rt)  # in diterima
    renamed = (TEXT.replace("  diterima:\n", "  masuk:\n").replace("to: diterima\n", "to: masuk\n")
               .replace("from: diterima\n", "from: masuk\n").replace("from: [diterima, ", "from: [masuk, "))
    login(client, "kasi")
    token, base = editor(client)
    doc = lxml.html.fromstring(post(client, renamed, "check", token, base).get_data(as_text=True))
    warning = doc.get_element_by_id("impact-warning").text_content()
    assert "1 pengaduan terbuka" in warning
    assert "alur tickets migrate --definition pengaduan-ptsp --to 2 --map diterima=" in warning
    [row] = doc.xpath("//tr[contains(@class,'impact-row')][@data-state='diterima']")
    assert "dihapus" in row.text_content()


def test_crlf_from_browsers_is_stored_as_lf(client, rt):
    login(client, "kasi")
    token, base = editor(client)
    assert post(client, LONGER_OPD_ANSWER.replace("\n", "\r\n"), "publish", token, base).status_code == 302
    with rt.db.connect() as conn:
        source = conn.execute(select(m.definitions.c.source).where(m.definitions.c.version == 2)).scalar_one()
    assert source == LONGER_OPD_ANSWER
