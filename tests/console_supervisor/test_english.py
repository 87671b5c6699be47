"""Every supervisor and auditor page renders in English when the user switches language."""
from __future__ import annotations

import pytest

from .conftest import login, open_ticket

PAGES = {
    "/admin/pimpinan/": "Supervisor dashboard",
    "/admin/definisi/": "SOP definitions",
    "/admin/definisi/pengaduan-ptsp/edit": "Edit definition",
    "/admin/definisi/pengaduan-ptsp/v1": "Published",
    "/admin/definisi/pengaduan-ptsp/v1/diagram": "SOP swimlane diagram",
    "/admin/kalender/": "Office calendar",
    "/admin/audit/": "Audit log",
    "/admin/audit/identitas": "Who viewed a confidential complainant identity",
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_pages_render_in_both_languages(client, rt, lang):
    open_ticket(rt)
    login(client, "kadis")
    client.get(f"/locale/{lang}")
    for url, english in PAGES.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert (english in response.get_data(as_text=True)) == (lang == "en"), url
