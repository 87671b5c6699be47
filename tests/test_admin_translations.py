"""Indonesian catalog for Flask-Admin (admin/translations, gettext domain "admin").

The apps built here are wired exactly as admin/translations/README.md tells the app factory to:
``Babel(app, locale_selector=...)`` plus ``Admin(..., translations_path=<admin/translations>)``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import flask_admin
import flask_admin.babel
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask
from flask_admin import Admin, BaseView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel

from tests.web import fresh_admin_catalog_cache  # noqa: F401 - autouse

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "admin" / "translations"
POT = TRANSLATIONS / "admin.pot"
PO = TRANSLATIONS / "id" / "LC_MESSAGES" / "admin.po"
MO = TRANSLATIONS / "id" / "LC_MESSAGES" / "admin.mo"

# %(name)s / %(num)d style, bare %s / %d, and str.format-style {name} / {}.
PLACEHOLDER = re.compile(r"%\([^)]+\)[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc%]|%[sdifr]|\{[^{}]*\}")

PROBE_TEMPLATE = """\
{% extends 'admin/master.html' %}
{% import 'admin/lib.html' as lib with context %}
{% block body %}
<p id="list">{{ _gettext('List') }}</p>
<p id="create">{{ _gettext('Create') }}</p>
<p id="deleted">{{ _ngettext('Record was successfully deleted.',
                            '%(count)s records were successfully deleted.',
                            deleted, count=deleted) }}</p>
{{ lib.render_form_buttons('/admin/') }}
{% endblock %}
"""


class ProbeView(BaseView):
    """A plain admin page (no model) that renders a few catalog strings and Flask-Admin's form buttons."""

    @expose("/")
    def index(self):
        return self.render("probe.html", deleted=3)




@pytest.fixture
def make_client(tmp_path):
    (tmp_path / "probe.html").write_text(PROBE_TEMPLATE, encoding="utf-8")

    def make(locale: str):
        app = Flask(__name__, template_folder=str(tmp_path))
        app.config.update(SECRET_KEY="test", TESTING=True)
        Babel(app, locale_selector=lambda: locale)
        admin = Admin(
            app,
            name="Konsol Pengaduan",
            theme=Bootstrap4Theme(),
            translations_path=str(TRANSLATIONS),
        )
        admin.add_view(ProbeView(name="Probe", endpoint="probe"))
        return app, app.test_client()

    return make


def _catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


# --- rendering ---------------------------------------------------------------------------------


def test_index_page_in_indonesian(make_client):
    _, client = make_client("id")
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # "Home" is the only Flask-Admin string the bare index renders: in <title>, the menu and the <h4>.
    assert re.search(r'href="/admin/">\s*Beranda\s*</a>', html)
    assert re.search(r"<h4[^>]*>\s*Beranda\s*</h4>", html)
    assert "Home" not in html


def test_index_page_in_english(make_client):
    _, client = make_client("en")
    html = client.get("/admin/").get_data(as_text=True)
    assert re.search(r'href="/admin/">\s*Home\s*</a>', html)
    assert re.search(r"<h4[^>]*>\s*Home\s*</h4>", html)
    assert "Beranda" not in html


def test_admin_page_strings_in_indonesian(make_client):
    _, client = make_client("id")
    response = client.get("/admin/probe/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<p id="list">Daftar</p>' in html
    assert '<p id="create">Buat</p>' in html
    assert '<p id="deleted">3 data berhasil dihapus.</p>' in html
    assert 'value="Simpan"' in html  # lib.render_form_buttons
    assert ">Batal</a>" in html
    assert re.search(r'href="/admin/">\s*Beranda\s*</a>', html)


def test_admin_page_strings_in_english(make_client):
    _, client = make_client("en")
    html = client.get("/admin/probe/").get_data(as_text=True)
    assert '<p id="list">List</p>' in html
    assert '<p id="create">Create</p>' in html
    assert '<p id="deleted">3 records were successfully deleted.</p>' in html
    assert 'value="Save"' in html
    assert ">Cancel</a>" in html


def test_lookup_outside_admin_view_pins_english(make_client):
    """Records the cache trap described in the README (Flask-Admin 2.2.1 behaviour).

    If Flask-Admin's gettext runs first outside an admin view, the ``id`` catalog is cached without
    translations_path and admin pages stay English for the life of the process. If this test starts
    failing after an upgrade, Flask-Admin has fixed it: delete the test and the README's "Trap" section.
    """
    app, client = make_client("id")
    with app.test_request_context("/"):
        assert flask_admin.babel.gettext("Home") == "Home"
    html = client.get("/admin/").get_data(as_text=True)
    assert "Beranda" not in html

    flask_admin.babel.domain.cache.clear()
    assert "Beranda" in client.get("/admin/").get_data(as_text=True)


# --- the catalog itself ------------------------------------------------------------------------


def test_catalog_header():
    catalog = _catalog(PO)
    assert str(catalog.locale) == "id"
    # Deliberately two identical forms, not CLDR's nplurals=1: flask-babel 4.0.0 ends up with the
    # English rule (n != 1) when it merges Flask-Admin's directories (see the .po header comment).
    assert catalog.num_plurals == 2
    assert catalog.plural_expr == "(n != 1)"
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(set(message.string)) == 1, f"plural forms must be identical: {message.id!r}"


def test_every_msgid_has_a_translation():
    catalog = _catalog(PO)
    messages = [m for m in catalog if m.id]
    assert len(messages) >= 116
    for message in messages:
        assert not message.fuzzy, message.id
        forms = _forms(message)
        assert len(forms) == (catalog.num_plurals if message.pluralizable else 1), message.id
        for form in forms:
            assert form.strip(), f"empty msgstr for {message.id!r}"
    assert not list(catalog.obsolete), "drop obsolete #~ entries"


def test_placeholders_and_escapes_match():
    catalog = _catalog(PO)
    for message in catalog:
        if not message.id:
            continue
        ids = _ids(message)
        # Every Indonesian form may be used for any n, so each must fit the plural msgid.
        reference = ids[-1]
        expected = sorted(PLACEHOLDER.findall(reference))
        for singular_only in ids[:-1]:
            assert set(PLACEHOLDER.findall(singular_only)) <= set(expected), message.id
        for form in _forms(message):
            assert sorted(PLACEHOLDER.findall(form)) == expected, (message.id, form)
            # Some strings end up inside JS confirm('...'): don't add quotes or backslashes.
            for char in ("'", "\\", '"'):
                assert form.count(char) == reference.count(char), (message.id, form, char)
    # Babel's own checkers (python-format consistency, number of plural forms).
    assert list(catalog.check()) == []


def test_catalog_covers_the_template():
    template = _catalog(POT)
    catalog = _catalog(PO)
    assert {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id} == {
        m.id if isinstance(m.id, str) else tuple(m.id) for m in template if m.id
    }


def test_catalog_matches_installed_flask_admin():
    """The template must hold every string the installed Flask-Admin can show (catches upgrades)."""
    package_dir = os.path.dirname(flask_admin.__file__)
    keywords = {**DEFAULT_KEYWORDS, "_gettext": None, "_ngettext": (1, 2), "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        package_dir,
        method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
        keywords=keywords,
        directory_filter=lambda path: os.path.basename(path) not in {"tests", "__pycache__"}
        and not os.path.basename(path).startswith("."),
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    template = {m.id if isinstance(m.id, str) else tuple(m.id) for m in _catalog(POT) if m.id}
    missing = found - template
    assert not missing, f"Flask-Admin has new strings; see admin/translations/README.md: {missing}"


def test_compiled_mo_matches_po():
    with MO.open("rb") as f:
        compiled = Translations(f, domain="admin")
    catalog = _catalog(PO)
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            for n in (0, 1, 3):
                assert compiled.ngettext(singular, plural, n) == message.string[0], message.id
        else:
            assert compiled.gettext(message.id) == message.string, message.id
