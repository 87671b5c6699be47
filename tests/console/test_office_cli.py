"""The office and its people from the command line, as an operator types it: ``alur office``, ``alur agencies``,
``alur users`` with the definitions' roles, and the staffing warnings of ``alur definitions``."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from workflow.services.users import get_user_by_name
from workflow.store.sql import SqlStore

EXAMPLES = ROOT / "definitions" / "examples"
PASSWORD = "kata-sandi-panjang-sekali\n"


@pytest.fixture
def cli(db, monkeypatch):
    from admin.cli import cli as group

    monkeypatch.setenv("ALUR_DATABASE_URL", db.url.render_as_string(hide_password=False))
    return lambda *args, **kw: CliRunner().invoke(group, list(args), catch_exceptions=False, **kw)


def test_office_load_show_set_and_a_refusal_that_says_what_to_fix(cli, db):
    assert "no office profile yet" in cli("office", "show").output
    loaded = cli("office", "load", str(EXAMPLES / "office-banten.yaml"), "--by", "kasi")
    assert loaded.exit_code == 0 and "DPMPTSP Provinsi Banten" in loaded.output
    changed = cli("office", "set", "timezone=WITA", "hours=senin-kamis 07:30-16:00, jumat 07:30-11:30", "--by", "kasi")
    assert changed.exit_code == 0 and "WITA" in changed.output
    shown = json.loads(cli("office", "show", "--json").output)
    assert (shown["timezone"], shown["hours"], shown["city"]) == \
        ("Asia/Makassar", "senin-kamis 07:30-16:00, jumat 07:30-11:30", "Serang")
    refused = cli("office", "set", "hours=senn 08:00-12:00")
    assert refused.exit_code == 1 and "did you mean 'senin'" in refused.output
    assert json.loads(cli("office", "show", "--json").output)["hours"] == shown["hours"]  # nothing changed
    assert cli("office", "set", "nama=x").exit_code == 1


def test_office_logo_takes_a_small_image_and_refuses_anything_else(cli, tmp_path):
    logo, page = tmp_path / "logo.png", tmp_path / "logo.svg"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    page.write_text("<svg onload='alert(1)'/>")
    assert "image/png" in cli("office", "logo", str(logo)).output
    refused = cli("office", "logo", str(page))
    assert refused.exit_code == 1 and "PNG, JPEG or GIF" in refused.output
    assert "logo removed" in cli("office", "logo", "--remove").output


def test_agencies_add_amend_list_and_import(cli):
    added = cli("agencies", "add", "camat_cikupa", "--label", "Camat Cikupa", "--kind", "camat", "--email",
                "camat@example.go.id", "--by", "kasi")
    assert added.exit_code == 0, added.output
    assert cli("agencies", "set", "dinas_esdm", "--email", "esdm@example.go.id").exit_code == 0
    assert cli("agencies", "set", "camat_cikupa", "--inactive").exit_code == 0
    listed = {a["code"]: a for a in json.loads(cli("agencies", "list", "--json").output)}
    assert listed["camat_cikupa"]["source"] == "office" and listed["camat_cikupa"]["active"] is False
    assert listed["dinas_esdm"]["source"] == "catalog" and listed["dinas_esdm"]["email"] == "esdm@example.go.id"
    assert "5 agencies saved" in cli("agencies", "import", str(EXAMPLES / "agencies-sleman.yaml")).output
    refused = cli("agencies", "add", "kades_baru")
    assert refused.exit_code == 1 and "needs a name" in refused.output


def test_users_get_the_definitions_roles_and_supervisor_roles_only_here(cli, db):
    cli("agencies", "import", str(EXAMPLES / "agencies-sleman.yaml"))
    published = cli("definitions", "publish", str(EXAMPLES / "pengaduan-perizinan-sleman.yaml"), "--by", "kasi")
    assert published.exit_code == 0, published.output
    assert "warning: pengaduan-perizinan-sleman: role 'Verifikator Lapangan'" in published.output
    roles = cli("users", "roles").output
    assert "verifikator_lapangan" in roles and "Verifikator Lapangan" in roles and "level 1" in roles
    added = cli("users", "add", "dewi", "--role", "verifikator_lapangan", "--by", "admin", "--password-stdin",
                input=PASSWORD)
    assert added.exit_code == 0, added.output
    made = cli("users", "set", "dewi", "--role", "kasi_pengaduan", "--by", "admin")
    assert made.exit_code == 0 and get_user_by_name(SqlStore(db), "dewi").roles == ("kasi_pengaduan",)
    assert "level 1" in [line for line in cli("users", "list").output.splitlines() if line.startswith("dewi")][0]
    refused = cli("users", "add", "x", "--role", "verifikator", "--password-stdin", input=PASSWORD)
    assert refused.exit_code != 0 and "verifikator_lapangan" in refused.output
    rows = [r for r in SqlStore(db).audit_rows(kind="user") if r["detail"]["user"] == "dewi"]
    assert [(r["actor_id"], r["detail"]["change"]) for r in rows] == [("admin", "created"), ("admin", "rights")]


def test_validate_warns_of_roles_nobody_holds_without_failing(cli, tmp_path):
    text = (ROOT / "definitions" / "pengaduan-ptsp.yaml").read_text(encoding="utf-8")
    draft = tmp_path / "draft.yaml"
    draft.write_text(text.replace("  system: {label: Sistem", "  juru_sita: {label: Juru Sita, lane: tim}\n"
                                  "  system: {label: Sistem", 1), encoding="utf-8")
    result = cli("definitions", "validate", str(draft))
    assert result.exit_code == 0
    assert "ok (pengaduan-ptsp" in result.output and "role 'Juru Sita' (juru_sita) is held by no active user" in \
        result.output
    assert "(petugas)" not in result.output  # the test office staffs every role of the shipped SOP
