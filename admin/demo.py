"""``alur serve --demo``: an embedded database ready to explore, with the shipped example office.

Everything the demo sets up is data (`DEMO`, ``definitions/examples/demo.yaml``): the office
profile it loads, the definitions it publishes, one user per role (each with a fresh password, printed once
by ``alur serve``) and a few complaints in various stages, recorded through the engine. This module names
no office; pointing ``ALUR_DEMO`` at another file demonstrates another office.
"""
from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import click
import yaml

from notifications.templates import available_templates
from workflow.core.box import box_channels, latest_box_day
from workflow.core.guards import Actor
from workflow.services import users
from workflow.services.agencies import import_agencies
from workflow.services.office import load_profile_file
from workflow.services.publish import publish
from workflow.services.roles import role_directory
from workflow.store.queries.tickets import ticket_count

DEMO = Path(__file__).resolve().parent.parent / "definitions" / "examples" / "demo.yaml"


@lru_cache(maxsize=4)
def demo_data(path: str | None = None) -> dict[str, Any]:
    """The demo file (``ALUR_DEMO``, else the shipped example), with its paths made absolute."""
    source = Path(path or os.environ.get("ALUR_DEMO") or DEMO)
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    data["office"] = (source.parent / data["office"]).resolve() if data.get("office") else None
    data["definitions"] = [(source.parent / p).resolve() for p in data.get("definitions") or ()]
    return data


def _users() -> list[dict[str, Any]]:
    return list(demo_data().get("users") or ())


DEMO_USERS = tuple((u["username"], list(u["roles"]), u.get("level"), u.get("opd"), u.get("name", u["username"]))
                   for u in _users())


def prepare_demo(rt) -> list[tuple[str, str, str]]:
    """Make the embedded database ready to explore; returns (username, role description, password)."""
    rt.store.upgrade()
    rt.reload_calendar()
    now = datetime.now(timezone.utc)
    data = demo_data()
    if data["office"] is not None:
        profile = load_profile_file(rt, data["office"], actor_id="demo", now=now)
        import_agencies(rt, data["office"], actor_id="demo", now=now)
        click.echo(f"office profile: {profile.display_name}")
    for path in data["definitions"]:
        result = publish(rt.store, path.read_text(encoding="utf-8"), file=str(path), actor_id="demo", now=now,
                         catalogs=rt.catalogs, templates=available_templates())
        click.echo(f"definition {result.key} v{result.version} "
                   + ("published" if result.created else "already published"))
    logins = []
    for username, roles, level, opd, name in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        if users.get_user_by_name(rt.store, username) is None:
            users.create_user(rt.store, username, password, roles, supervisor_level=level, opd=opd, display_name=name,
                              catalogs=rt.catalogs, actor_id="demo", actor_role="system")
        else:
            users.set_password(rt.store, username, password, actor_id="demo", actor_role="system")
            users.set_active(rt.store, username, True, actor_id="demo", actor_role="system")
        described = ", ".join(roles) + (f" (level {level})" if level else "") + (f" ({opd})" if opd else "")
        logins.append((username, described, password))
    created = seed_demo_tickets(rt, now)
    if created:
        click.echo(f"{created} demo complaints recorded")
    return logins


def _actors(rt) -> dict[str, Actor]:
    """The demo users as the engine sees them (their roles mapped through the definitions' levels)."""
    directory = role_directory(rt)
    return {username: Actor(username, directory.actor_roles(roles, level), name, opd=opd)
            for username, roles, level, opd, name in DEMO_USERS}


def seed_demo_tickets(rt, now: datetime) -> int:
    """Record demo complaints through the engine (never by writing rows), once per database."""
    if ticket_count(rt.store):
        return 0
    data = demo_data()
    actors = _actors(rt)
    count = 0
    for item in data.get("tickets") or ():
        at = now - timedelta(days=float(item.get("days_ago", 0)))
        record = {**(data.get("record") or {}), **(item.get("record") or {})}
        definition = rt.engine.definition(item.get("definition") or rt.intake_definition())
        box = next((b for b in box_channels(definition, rt.catalogs) if b.code == record.get("kanal")), None)
        if box is not None:  # the box is opened on its days only: the last one before the complaint is typed
            record[box.field] = latest_box_day(definition, box, at.date()).isoformat()
        record = _known_codes(rt, {k: v for k, v in record.items() if v is not None})
        opener = actors[item.get("by") or data["opened_by"]]
        opened = rt.engine.open(item.get("definition") or rt.intake_definition(), record, opener, now=at)
        moment = at
        for step in item.get("steps") or ():
            moment = moment + timedelta(hours=2)
            rt.engine.fire(opened.ticket.id, step["trigger"], actors[step["by"]], step.get("inputs") or {},
                           now=min(moment, now))
        count += 1
    return count


def _known_codes(rt, record: dict) -> dict:
    """Demo values are written as codes; fall back to labels the catalog can match."""
    for name in ("kanal", "kategori", "sektor"):
        cat = rt.catalogs.get(name)
        value = record.get(name)
        if cat is None or value is None or value in cat.entries:
            continue
        matches = cat.match(str(value).replace("_", " "))
        if matches:
            record[name] = matches[0]
        else:
            record.pop(name)
    return record


__all__ = ["prepare_demo", "seed_demo_tickets", "demo_data", "DEMO_USERS", "DEMO"]
