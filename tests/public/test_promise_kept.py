"""The public home page states the promise kept this quarter (issue 15): "X dari Y pengaduan triwulan ini dijawab
dalam 7 hari kalender yang dijanjikan", read from the audit trail, with the calendar it was counted with; in
English on request; and without the figure when nothing was decided yet."""
from __future__ import annotations

from tests.stage_quarter import MEASURED, walk_quarter
from workflow.core.guards import Actor

ACTORS = {"petugas": Actor("petugas", frozenset({"petugas"}), "Petugas"), "tim": Actor("tim", frozenset({"tim"})),
          "opd": Actor("esdm", frozenset({"opd_liaison"}), opd="dinas_esdm"),
          "pemohon": Actor("pemohon", frozenset({"pemohon"}))}


def test_the_home_page_says_how_many_complaints_were_answered_within_the_promise(app, rt):
    from admin.public import promise_figures

    promise_figures._cache.clear()
    walk_quarter(rt.engine, ACTORS)
    rt.engine.now = lambda: MEASURED
    html = app.test_client().get("/").get_data(as_text=True)
    section = html[html.index('id="promise-kept"'):]
    assert "1 dari 3 pengaduan triwulan ini dijawab dalam 7 hari kalender yang dijanjikan" in section
    assert "zona Asia/Jakarta" in section and rt.engine.calendar.fingerprint() in section
    english = app.test_client()
    english.get("/bahasa/en")
    assert "1 of 3 complaints this quarter were answered within the promised 7 calendar days" in \
        english.get("/").get_data(as_text=True)


def test_no_figure_before_any_complaint_of_the_quarter_is_decided(app, rt):
    from admin.public import promise_figures

    promise_figures._cache.clear()
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'id="promise-kept"' not in html and html.count("<h1>") == 1
