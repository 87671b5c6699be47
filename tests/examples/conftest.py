"""Installations of the example offices (definitions/examples/): an SQLite database set up as an office
would set it up, through the ``alur`` command: the shipped Banten SOP and the office's own SOP published
side by side, the office profile loaded, its agencies imported, its staff added with the SOP's roles."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from notifications import MemoryChannel
from notifications.delivery import install
from notifications.templates import available_templates
from tests.conftest import MONDAY_9_WIB, SOP, migrated_engine  # noqa: F401 - the modules' fixtures use it
from tests.web import CHEAP_HASH, PASSWORD, csrf_from, post_login  # noqa: F401 - re-exported to the tests

EXAMPLES = Path(__file__).resolve().parents[2] / "definitions" / "examples"


class Clock:
    """The installation's `now` (engine, pages and sweeps read it), moved by the tests."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class Office:
    rt: object
    clock: Clock
    key: str
    channels: dict = field(default_factory=dict)

    def alur(self, *args: str, stdin: str | None = None, ok: bool = True):
        """Run ``alur ARGS`` (the whole command, as an operator would) on this installation."""
        from admin.cli import cli

        result = CliRunner().invoke(cli, list(args), obj={"runtime": self.rt, "templates": available_templates},
                                    input=stdin, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, f"alur {' '.join(args)}:\n{result.output}"
        return result

    def sweep(self) -> dict:
        """What ``alur sweep --once`` runs (rungs, autoclose, the outbox), at the installation's moment."""
        from workflow.jobs.periodic import run_periodic

        return run_periodic(self.rt, now=self.clock())

    def ticket(self, receipt: str):
        with self.rt.store.unit_of_work(read_only=True) as uow:
            return self.rt.engine.load(uow.tickets.id_by_receipt(receipt))

    def sent(self, channel: str) -> list:
        return list(self.channels[channel].sent)


def set_up(engine, tmp_path, monkeypatch, sop: str, office: str, agencies: str, staff: dict) -> Office:
    """An office's installation on ``engine`` (a migrated database), through the command line; ``staff`` =
    username -> (roles, agency)."""
    from workflow.runtime import build_runtime

    for name, value in (("ALUR_SECRET_KEY", "examples"), ("ALUR_IDENTITY_SALT", "examples"),
                        ("ALUR_INSTANCE_PATH", str(tmp_path / "instance")), ("ALUR_INSECURE_COOKIES", "1")):
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("workflow.services.users.hash_password", lambda password: CHEAP_HASH)
    rt = build_runtime(db=engine)
    clock = Clock(MONDAY_9_WIB)
    rt.engine.now = clock
    channels = {name: MemoryChannel(name) for name in ("email", "webhook", "agency_webhook")}
    install(rt, channels={**channels, "whatsapp": channels["webhook"], "sms": channels["webhook"]})
    here = Office(rt, clock, "", channels)
    here.alur("definitions", "publish", str(SOP), "--by", "admin")
    here.alur("office", "load", str(EXAMPLES / office))
    here.alur("agencies", "import", str(EXAMPLES / agencies))
    published = here.alur("definitions", "publish", str(EXAMPLES / sop), "--by", "admin")
    here.key = re.search(r"published (\S+) v1", published.output).group(1)
    for username, (roles, agency) in staff.items():
        args = ["users", "add", username, "--password-stdin", "--name", username.replace("_", " ").title()]
        for role in roles:
            args += ["--role", role]
        if agency:
            args += ["--opd", agency]
        here.alur(*args, stdin=PASSWORD + "\n")
    return here


def app_for(office: Office):
    from admin.app import create_app

    return create_app({"TESTING": True, "SESSION_COOKIE_SECURE": False, "ALUR_LOGIN_LIMIT_IP": "1000 per minute",
                       "ALUR_LOGIN_ADDRESS_FAILURES": "1000 per minute", "ALUR_RATELIMIT_API": "1000 per minute"},
                      runtime=office.rt)


def signed_in(app, username: str):
    client = app.test_client()
    response = post_login(client, username, PASSWORD)
    assert response.status_code == 302, f"sign-in of {username} failed"
    return client


def fire(client, ticket_id: int, trigger: str, base: str = "/admin/work", **inputs):
    """Fire a transition from the ticket page, as the signed-in user would with its form."""
    page = client.get(f"{base}/ticket/{ticket_id}").get_data(as_text=True)
    version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)
    return client.post(f"{base}/ticket/{ticket_id}/fire", data={"csrf_token": csrf_from(page), "trigger": trigger,
                                                                 "expected_version": version, **inputs})


def act(client, ticket_id: int, handoff: str, agency: str, action: str, base: str = "/admin/opd", **inputs):
    """Acknowledge, answer or withdraw one agency's part of a handoff from the ticket page."""
    page = client.get(f"{base}/ticket/{ticket_id}").get_data(as_text=True)
    version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)
    return client.post(f"{base}/ticket/{ticket_id}/handoff", data={
        "csrf_token": csrf_from(page), "handoff": handoff, "agency": agency, "action": action,
        "expected_version": version, **inputs})
