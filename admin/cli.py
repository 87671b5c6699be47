"""Console commands: ``alur serve [--demo]`` and ``alur users add|list|disable|enable|password``.

``alur serve`` runs the web app with Werkzeug's threaded server (for production, run
``gunicorn 'admin.wsgi:app'`` behind TLS). Without Redis it starts the in-process sweeper so
deadlines escalate and notifications go out from the single process. ``--demo`` prepares the embedded
default for a first look: upgrades the database, publishes the shipped SOP, creates one user per role
with a fresh password printed once, and records a few complaints in various stages.
"""
from __future__ import annotations


import os
import secrets
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from notifications.channels import is_loopback
from workflow.cli import runtime as cli_runtime

SOP = Path(__file__).resolve().parent.parent / "definitions" / "pengaduan-ptsp.yaml"

# username, roles, supervisor level, OPD, display name
DEMO_USERS = (
    ("admin", ["admin"], None, None, "Administrator Sistem"),
    ("kasi", ["supervisor"], 1, None, "Kepala Seksi Pelaporan dan Pengaduan"),
    ("kabid", ["supervisor"], 2, None, "Kepala Bidang Pelayanan"),
    ("kadis", ["supervisor"], 3, None, "Kepala DPMPTSP"),
    ("petugas", ["petugas"], None, None, "Rina Petugas Front Office"),
    ("tim", ["tim"], None, None, "Tim Penanganan Pengaduan"),
    ("esdm", ["opd_liaison"], None, "dinas_esdm", "Penghubung Dinas ESDM"),
    ("auditor", ["auditor"], None, None, "Inspektorat (Auditor)"),
)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def register(cli: click.Group) -> None:
    cli.add_command(serve)
    cli.add_command(users)


# -- serve --------------------------------------------------------------------------------------------
@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Upgrade the DB, publish the SOP, create demo users and tickets.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, demo: bool) -> None:
    """Run the web console, public pages and API (gunicorn-ready app: admin.wsgi:app)."""
    if is_loopback(host) and os.environ.get("ALUR_INSECURE_COOKIES") != "1":
        os.environ["ALUR_INSECURE_COOKIES"] = "1"
        click.secho("WARNING: serving plain http on a loopback address: session cookies are not marked "
                    "Secure (ALUR_INSECURE_COOKIES=1). Behind a network, serve over TLS instead.",
                    fg="yellow", err=True)
    elif os.environ.get("ALUR_INSECURE_COOKIES") == "1":
        click.secho("WARNING: ALUR_INSECURE_COOKIES=1 on a non-loopback address: sessions travel unprotected "
                    "over plain http.", fg="red", err=True)
    rt = cli_runtime(ctx)
    if not demo:
        from workflow.store.db import current_revision

        if current_revision(rt.db) is None:
            raise click.ClickException("the database has no schema yet: run 'alur db upgrade' and "
                                       "'alur definitions publish definitions/pengaduan-ptsp.yaml' "
                                       "(or try everything at once with 'alur serve --demo')")
    os.environ.setdefault("ALUR_PUBLIC_URL", f"http://{host}:{port}")
    rt.public_url = os.environ["ALUR_PUBLIC_URL"]
    if demo:
        logins = prepare_demo(rt)
        print_logins(logins, host, port)
    from admin.app import create_app

    from workflow.runtime import install_services

    app = create_app(runtime=install_services(rt))
    sweeper = _start_sweeper(rt)
    click.echo(f"database: {rt.db.url.render_as_string(hide_password=True)}")
    click.echo(f"alur console on http://{host}:{port}/admin/  (public pages on http://{host}:{port}/)")
    from werkzeug.serving import run_simple

    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        if sweeper is not None and hasattr(sweeper, "stop"):
            sweeper.stop()


def _start_sweeper(rt):
    if rt.redis_url:
        click.echo("Redis configured: run 'alur worker' for deadlines and notifications.")
        return None
    try:
        from workflow.jobs import start_inprocess_sweeper
    except ModuleNotFoundError:
        return None
    click.echo("no Redis configured: deadlines and notifications are swept in this process.")
    try:
        from notifications.delivery import start_background_delivery
    except ModuleNotFoundError:
        pass
    else:
        start_background_delivery(rt)  # requests never wait on the mail server
    return start_inprocess_sweeper(rt)


def print_logins(logins: list[tuple[str, str, str]], host: str, port: int) -> None:
    click.secho("\nDEMO LOGINS (passwords generated for this run; demo mode only)", fg="cyan", bold=True)
    click.echo(f"  sign in at http://{host}:{port}/login")
    for username, role, password in logins:
        click.echo(f"  {username:<10} {password:<16} {role}")
    click.echo("")


# -- demo ---------------------------------------------------------------------------------------------
def prepare_demo(rt) -> list[tuple[str, str, str]]:
    """Make the embedded database ready to explore; returns (username, role description, password)."""
    from workflow.services.publish import publish
    from workflow.store.db import upgrade

    from .auth import create_user, get_user_by_name, set_active, set_password

    upgrade(rt.db)
    rt.reload_calendar()
    now = datetime.now(timezone.utc)
    result = publish(rt.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="demo", now=now,
                     catalogs=rt.catalogs, templates=_templates())
    click.echo(f"definition {result.key} v{result.version} " + ("published" if result.created else "already published"))
    logins = []
    for username, roles, level, opd, name in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        if get_user_by_name(rt.db, username) is None:
            create_user(rt.db, username, password, roles, supervisor_level=level, opd=opd, display_name=name,
                        catalogs=rt.catalogs)
        else:
            set_password(rt.db, username, password)
            set_active(rt.db, username, True)
        described = ", ".join(roles) + (f" (level {level})" if level else "") + (f" ({opd})" if opd else "")
        logins.append((username, described, password))
    created = seed_demo_tickets(rt, now)
    if created:
        click.echo(f"{created} demo complaints recorded")
    return logins


def _templates():
    try:
        from notifications.templates import available_templates
    except ImportError:
        return None
    return available_templates()


DEMO_TICKETS = (
    # (record overrides, [(trigger, inputs, actor key)], days ago)
    ({"perihal": "Jadwal peninjauan lapangan SIPA belum ada", "kategori": "durasi_waktu"}, [], 0),
    ({"kanal": "telepon", "perihal": "Tidak bisa masuk ke SIPEKA", "kategori": "sistem_sipeka", "sektor": None,
      "jenis_izin": None}, [], 0.2),
    ({"kanal": "sms_whatsapp", "nama": "Budi Santoso", "perihal": "Salah cetak nama perusahaan pada izin",
      "kategori": "salah_cetak", "kerahasiaan": "anonim"},
     [("verifikasi", {"tingkat": "sedang", "kewenangan": "dalam"}, "petugas")], 1),
    ({"kanal": "email", "nama": "Dewi Lestari", "email": "dewi@example.id", "perihal": "Dugaan pungutan di loket",
      "kategori": "pungutan_liar", "kerahasiaan": "rahasia"},
     [("verifikasi", {"tingkat": "berat", "kewenangan": "dalam"}, "petugas"),
      ("teruskan_tim", {"catatan": "Kategori pungli: tangani hati-hati."}, "petugas")], 2),
    ({"perihal": "Rekomendasi teknis ESDM belum terbit", "kategori": "durasi_waktu"},
     [("verifikasi", {"tingkat": "berat", "kewenangan": "dalam"}, "petugas"),
      ("teruskan_tim", {}, "petugas"),
      ("serahkan_opd", {"opd": "dinas_esdm", "permintaan": "Mohon jadwal peninjauan lapangan SIPA."}, "tim")], 3),
    ({"kanal": "kotak_pengaduan", "nama": "Ahmad Fauzi", "perihal": "Petugas loket kurang ramah",
      "kategori": "sikap_petugas", "sektor": None, "jenis_izin": None},
     [("verifikasi", {"tingkat": "ringan", "kewenangan": "dalam"}, "petugas"),
      ("jawab_langsung", {"analisa": "Petugas sudah ditegur.", "jawaban": "Terima kasih, petugas telah dibina."},
       "petugas")], 1.5),
    ({"perihal": "Izin usaha pertambangan belum diproses", "kategori": "durasi_waktu"},
     [("verifikasi", {"tingkat": "sedang", "kewenangan": "dalam"}, "petugas"),
      ("teruskan_tim", {}, "petugas")], 9),
    ({"kanal": "website_sipeka", "perihal": "Status permohonan tidak berubah", "kategori": "sistem_sipeka"},
     [("verifikasi", {"tingkat": "ringan", "kewenangan": "dalam"}, "petugas"),
      ("jawab_langsung", {"analisa": "Sinkronisasi tertunda.", "jawaban": "Status sudah diperbarui."}, "petugas"),
      ("arsipkan", {"nomor_arsip": "ARS/2026/117"}, "petugas"),
      ("sampaikan", {"media_jawaban": "website_sipeka"}, "petugas"),
      ("konfirmasi_puas", {"tanggapan_pemohon": "Terima kasih."}, "petugas")], 5),
)


def seed_demo_tickets(rt, now: datetime) -> int:
    """Record demo complaints through the engine (never by writing rows), once per database."""
    from sqlalchemy import func, select

    from workflow.core.guards import Actor
    from workflow.store import models as m

    with rt.db.connect() as conn:
        if conn.execute(select(func.count()).select_from(m.tickets)).scalar_one():
            return 0
    actors = {"petugas": Actor("petugas", frozenset({"petugas"}), "Rina Petugas Front Office"),
              "tim": Actor("tim", frozenset({"tim"}), "Tim Penanganan Pengaduan")}
    kanal = rt.catalogs.get("kanal")
    count = 0
    for overrides, steps, days_ago in DEMO_TICKETS:
        at = now - timedelta(days=days_ago)
        record = {
            "kanal": "langsung", "nama": "Siti Aminah", "alamat": "Jl. Ahmad Yani No. 5, Serang, Banten",
            "telepon": "0812-3456-7890", "sektor": "esdm", "jenis_izin": "SIPA", "kategori": "durasi_waktu",
            "perihal": "", "uraian": "Permohonan belum ada kejelasan.", "no_registrasi": "REG-2026-0042",
            "tanda_tangan": True,
        }
        record.update(overrides)
        if (kanal and record.get("kanal") in kanal.entries and
                                              kanal.entries[record["kanal"]].extra.get("collection_date")):
            record["tanggal_ambil_kotak"] = at.date().isoformat()
        record = {k: v for k, v in record.items() if v is not None}
        record = _known_codes(rt, record)
        opened = rt.engine.open("pengaduan-ptsp", record, actors["petugas"], now=at)
        moment = at
        for trigger, inputs, who in steps:
            moment = moment + timedelta(hours=2)
            rt.engine.fire(opened.ticket.id, trigger, actors[who], inputs, now=min(moment, now))
        count += 1
    return count


def _known_codes(rt, record: dict) -> dict:
    """Demo values are written as codes; fall back to labels the catalog can match."""
    for name in ("kanal", "kategori", "sektor"):
        cat = rt.catalogs.get(name)
        value = record.get(name)
        if cat is None or value is None or value in cat.entries:
            continue
        matches = cat.match(value.replace("_", " "))
        if matches:
            record[name] = matches[0]
        else:
            record.pop(name)
    return record


# -- users --------------------------------------------------------------------------------------------
@click.group()
def users() -> None:
    """Console users and their roles."""


@users.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["admin", "supervisor", "petugas", "tim", "opd_liaison", "auditor"]),
              help="Repeat for several roles.")
@click.option("--level", type=click.IntRange(1, 3), default=None,
              help="Supervisor level: 1 kepala seksi, 2 kepala bidang, 3 kepala dinas.")
@click.option("--opd", default=None, help="OPD code for an opd_liaison (e.g. dinas_esdm).")
@click.option("--name", default=None, help="Display name.")
@click.option("--email", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_context
def users_add(ctx, username, roles, level, opd, name, email, password_stdin) -> None:
    """Create a user (asks for the password)."""
    from .auth import AuthError, check_roles, create_user

    rt = cli_runtime(ctx)
    try:
        check_roles(roles, level, opd, rt.catalogs)
    except AuthError as exc:
        raise click.UsageError(str(exc)) from exc
    password = _read_password(password_stdin)
    try:
        user = create_user(rt.db, username, password, roles, supervisor_level=level, opd=opd, display_name=name,
                           email=email, catalogs=rt.catalogs)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.secho(f"user {user.username} created ({', '.join(sorted(user.roles))})", fg="green")


@users.command("list")
@click.pass_context
def users_list(ctx) -> None:
    """Every user with roles, level, OPD and status."""
    from .auth import SUPERVISOR_LEVELS, list_users

    rows = list_users(cli_runtime(ctx).db)
    if not rows:
        click.echo("no users yet; add one with 'alur users add USERNAME --role admin'")
        return
    for u in rows:
        level = SUPERVISOR_LEVELS.get(u.supervisor_level or 0, "")
        click.echo(f"{u.username:<16} {'active' if u.active else 'DISABLED':<9} {','.join(sorted(u.roles)):<24} "
                   f"{level:<14} {u.opd or '':<14} {u.display_name}")


def _set_active(ctx, username: str, active: bool) -> None:
    from .auth import AuthError, set_active

    try:
        set_active(cli_runtime(ctx).db, username, active)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {username} {'enabled' if active else 'disabled'}")


@users.command("disable")
@click.argument("username")
@click.pass_context
def users_disable(ctx, username) -> None:
    """Stop a user from signing in (kept for the audit trail; sessions end at their next request)."""
    _set_active(ctx, username, False)


@users.command("enable")
@click.argument("username")
@click.pass_context
def users_enable(ctx, username) -> None:
    """Allow a disabled user to sign in again."""
    _set_active(ctx, username, True)


@users.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True)
@click.pass_context
def users_password(ctx, username, password_stdin) -> None:
    """Set a new password for a user."""
    from .auth import AuthError, set_password

    try:
        set_password(cli_runtime(ctx).db, username, _read_password(password_stdin))
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password of {username} changed")


__all__ = ["register", "serve", "users", "prepare_demo", "seed_demo_tickets", "DEMO_USERS"]
