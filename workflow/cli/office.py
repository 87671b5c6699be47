"""``alur office``: the office profile (show, set, load from YAML, logo) and ``alur agencies``: its agencies."""
from __future__ import annotations

import json
from pathlib import Path

import click

from workflow.cli import fail, now_utc, runtime
from workflow.core.office import FIELDS
from workflow.errors import OfficeError

# the settings ``--set`` takes, for the help text
SETTINGS = ", ".join(FIELDS)


@click.group()
def office() -> None:
    """The office profile: name, level, address, contacts, logo, time zone and office hours."""


@office.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the profile as JSON.")
@click.pass_context
def office_show(ctx: click.Context, as_json: bool) -> None:
    """Print the office profile (what receipts, public pages, notifications and reports say)."""
    from workflow.services.office import current_office, get_logo

    rt = runtime(ctx)
    profile = current_office(rt)
    data = profile.to_data()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not profile.configured:
        click.echo("no office profile yet: set one with 'alur office load FILE.yaml' or "
                   "'alur office set name=\"...\" short_name=\"...\"'")
    for key in FIELDS:
        value = data[key]
        if key == "phones":
            value = ", ".join(value)
        elif key == "timezone":
            value = f"{profile.zone_name} ({value})"
        elif key == "dated_hours":
            value = "; ".join(f"{p['label']}: {p['from']}..{p['to']} {p['hours']}" for p in value) or "-"
        click.echo(f"{key:<13} {value or '-'}")
    logo = get_logo(rt.store)
    click.echo(f"{'logo':<13} {f'{logo.content_type}, {len(logo.data)} bytes' if logo else '-'}")


@office.command("set")
@click.argument("settings", nargs=-1, required=True, metavar="NAME=VALUE...")
@click.option("--by", "actor", default="cli", show_default=True, help="Who changes it (recorded in the audit).")
@click.pass_context
def office_set(ctx: click.Context, settings: tuple[str, ...], actor: str) -> None:
    """Change settings, e.g. hours="senin-kamis 08:00-16:00, jumat 08:00-16:30" timezone=WITA.

    Settings: name, short_name, service_name, level (provinsi/kabupaten/kota), region, city, address,
    phones (comma-separated), email, website, timezone (WIB/WITA/WIT), hours, dated_hours (JSON list of
    {label, from, to, hours}). Changing the time zone or hours recomputes every running deadline.
    """
    from workflow.services.office import set_profile

    changes: dict = {}
    for item in settings:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"'{item}' is not NAME=VALUE; settings: {SETTINGS}")
        name = name.strip()
        if name == "dated_hours":
            try:
                changes[name] = json.loads(value) if value.strip() else []
            except ValueError:
                fail('dated_hours takes JSON: [{"label": "Ramadan", "from": "2027-02-08", "to": "2027-03-09", '
                     '"hours": "senin-jumat 08:00-15:00"}]')
        else:
            changes[name] = value
    try:
        profile = set_profile(runtime(ctx), changes, actor_id=actor, now=now_utc())
    except OfficeError as exc:
        fail(f"nothing changed: {exc}")
        return
    click.secho(f"office profile saved: {profile.display_name} ({profile.zone_name}, {profile.hours_text()})",
                fg="green")


@office.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def office_load(ctx: click.Context, path: Path, actor: str) -> None:
    """Set the whole profile from a YAML file (the example office is in definitions/examples/)."""
    from workflow.services.agencies import import_agencies
    from workflow.services.office import load_profile_file

    rt = runtime(ctx)
    try:
        profile = load_profile_file(rt, path, actor_id=actor, now=now_utc())
        added = import_agencies(rt, path, actor_id=actor, now=now_utc())
    except OfficeError as exc:
        fail(f"not loaded: {exc}")
        return
    click.secho(f"office profile loaded: {profile.display_name}" + (f"; {added} agencies" if added else ""),
                fg="green")


@office.command("logo")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("--remove", is_flag=True, help="Remove the logo.")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def office_logo(ctx: click.Context, path: Path | None, remove: bool, actor: str) -> None:
    """Store the office logo (PNG, JPEG or GIF, at most 256 KB), shown on receipts and public pages."""
    from workflow.services.office import set_logo

    if (path is None) == (not remove):
        fail("give the image file, or --remove")
    try:
        logo = set_logo(runtime(ctx), None if remove else path.read_bytes(), actor_id=actor, now=now_utc())
    except OfficeError as exc:
        fail(f"logo not changed: {exc}")
        return
    click.echo("logo removed" if logo is None else f"logo stored ({logo.content_type}, {len(logo.data)} bytes)")


# -- agencies ---------------------------------------------------------------------------------------
@click.group()
def agencies() -> None:
    """The agencies complaints can be handed to: the shipped catalog plus the office's own."""


@agencies.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def agencies_list(ctx: click.Context, as_json: bool) -> None:
    """Every agency: code, kind, where it comes from (catalog/office), contacts."""
    from workflow.services.agencies import list_agencies

    rows = list_agencies(runtime(ctx))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        state = "" if r["active"] else " (inactive)"
        click.echo(f"{r['code']:<28} {r['kind']:<17} {r['source']:<8} {r['email'] or '-':<30} {r['label']}{state}")


def _agency_options(command):
    for option in reversed((
            click.option("--label", default=None, help="Name, e.g. \"Camat Cikupa\"."),
            click.option("--label-en", "label_en", default=None),
            click.option("--kind", default=None, help="opd, camat, kepala_desa, inspektorat, instansi_vertikal, "
                                                      "bumd or lainnya."),
            click.option("--email", default=None, help="Where transferred complaints are sent."),
            click.option("--phone", default=None),
            click.option("--webhook-url", "webhook_url", default=None),
            click.option("--by", "actor", default="cli", show_default=True))):
        command = option(command)
    return command


def _save(ctx, code: str, actor: str, data: dict) -> None:
    from workflow.services.agencies import save_agency

    try:
        record = save_agency(runtime(ctx), code, {k: v for k, v in data.items() if v is not None}, actor_id=actor,
                             now=now_utc())
    except OfficeError as exc:
        fail(f"nothing changed: {exc}")
        return
    click.secho(f"agency {record.code} saved: {record.label or '(catalog name)'}"
                + ("" if record.active else " (inactive)"), fg="green")


@agencies.command("add")
@click.argument("code")
@_agency_options
@click.pass_context
def agencies_add(ctx: click.Context, code: str, actor: str, **data) -> None:
    """Add an agency (or amend a shipped one with its contacts): CODE like camat_cikupa."""
    _save(ctx, code, actor, data)


@agencies.command("set")
@click.argument("code")
@_agency_options
@click.option("--active/--inactive", default=None, help="An inactive agency is no longer offered.")
@click.pass_context
def agencies_set(ctx: click.Context, code: str, actor: str, active: bool | None, **data) -> None:
    """Change an agency's name, kind, contacts, or take it out of use."""
    if active is not None:
        data["active"] = active
    _save(ctx, code, actor, data)


@agencies.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def agencies_import(ctx: click.Context, path: Path, actor: str) -> None:
    """Add or amend every agency a YAML file lists under 'agencies:' ({code, label, kind, email, ...})."""
    from workflow.services.agencies import import_agencies

    try:
        count = import_agencies(runtime(ctx), path, actor_id=actor, now=now_utc())
    except OfficeError as exc:
        fail(f"stopped: {exc}")
        return
    click.secho(f"{count} agencies saved", fg="green")


__all__ = ["office", "agencies"]
