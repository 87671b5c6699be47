"""An API key acts as one role: only a role a published definition gives transitions to, never the
complainant's (pemohon: it withdrew any complaint without the complainant's token) nor the system's."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from admin.cli import cli
from tests.conftest import memory_runtime
from workflow.errors import AuthError
from workflow.services import apikeys


@pytest.fixture
def rt():
    return memory_runtime()


def create(rt, role: str):
    return CliRunner().invoke(cli, ["apikeys", "create", f"bot-{role}", "--scope", "act", "--role", role],
                              obj={"runtime": rt})


@pytest.mark.parametrize("role", ["pemohon", "system", "admin", "auditor", "kepala_kantor"])
def test_a_key_cannot_act_as_the_complainant_the_system_or_an_undeclared_role(rt, role):
    refused = create(rt, role)
    assert refused.exit_code == 1 and "alur_" not in refused.output
    assert "petugas" in refused.output and "tim" in refused.output  # the message lists what may be given
    assert apikeys.list_keys(rt.store) == []


@pytest.mark.parametrize("role", ["petugas", "tim", "opd_liaison", "kepala_bidang"])
def test_a_key_may_act_as_a_role_the_published_definition_gives_transitions(rt, role):
    created = create(rt, role)
    assert created.exit_code == 0, created.output
    assert [k.role for k in apikeys.list_keys(rt.store)] == [role]


def test_the_service_refuses_pemohon_and_system_whoever_calls_it(rt):
    for role in ("pemohon", "system"):
        with pytest.raises(AuthError, match="never"):
            apikeys.create_key(rt.store, "bot", ["act"], role)
    assert apikeys.integration_roles(rt.engine) == ("kepala_bidang", "kepala_dinas", "kepala_seksi", "opd_liaison",
                                                    "petugas", "tim")


def test_the_help_says_which_roles_a_key_may_take():
    text = " ".join(CliRunner().invoke(cli, ["apikeys", "create", "--help"]).output.split())
    assert "pemohon" in text and "system" in text and "published definition" in text
