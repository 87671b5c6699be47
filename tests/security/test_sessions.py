"""A console session ends on the server: at sign-out, when the password changes or the account is
disabled, and at an absolute lifetime however active it stays (the idle lifetime renews on every request)."""
from __future__ import annotations

from tests.web import PASSWORD, csrf_from, post_login
from workflow.services import users

QUEUE = "/admin/work/"


def signed_in(app, username: str = "petugas"):
    client = app.test_client()
    assert post_login(client, username, PASSWORD).status_code == 302
    assert client.get(QUEUE).status_code == 200
    return client


def with_cookie_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (a stolen or shared cookie)."""
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def refused(client) -> bool:
    response = client.get(QUEUE)
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(app):
    client = signed_in(app)
    copy = with_cookie_of(app, client)
    assert copy.get(QUEUE).status_code == 200
    token = csrf_from(client.get(QUEUE).get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert refused(client) and refused(copy)
    assert signed_in(app).get(QUEUE).status_code == 200  # signing in again works


def test_a_new_password_ends_the_sessions_signed_in_with_the_old_one(app, rt):
    client = signed_in(app)
    users.set_password(rt.store, "petugas", "kata-sandi-baru-yang-panjang")
    assert refused(client)
    assert post_login(app.test_client(), "petugas", "kata-sandi-baru-yang-panjang").status_code == 302


def test_a_disabled_account_stays_signed_out_when_it_is_enabled_again(app, rt):
    client = signed_in(app)
    users.set_active(rt.store, "petugas", False)
    users.set_active(rt.store, "petugas", True)
    assert refused(client)


def test_a_session_ends_at_its_absolute_lifetime_however_active(app):
    client = signed_in(app)
    hours = app.config["ALUR_SESSION_MAX_HOURS"]
    with client.session_transaction() as session:
        session["signed_in_at"] -= hours * 3600 - 60  # a minute left: still in
    assert client.get(QUEUE).status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] -= 120  # past it, though the idle lifetime was renewed a moment ago
    assert refused(client)


def test_another_account_keeps_its_session(app, rt):
    other = signed_in(app, "tim")
    users.set_password(rt.store, "petugas", "kata-sandi-baru-yang-panjang")
    assert other.get(QUEUE).status_code == 200


def test_every_store_moves_the_session_epoch_on_and_a_profile_update_keeps_it(port_store):
    from dataclasses import replace
    from datetime import datetime, timezone

    from workflow.store.port import UserRecord

    with port_store.unit_of_work() as uow:
        user_id = uow.users.add(UserRecord(username="siti", display_name="Siti", roles=("petugas",),
                                           created_at=datetime(2026, 11, 30, tzinfo=timezone.utc)), "hash")
        stale = uow.users.get(user_id)
        assert stale.session_epoch == 0
        assert uow.users.end_sessions(user_id) and uow.users.end_sessions(user_id)
        uow.users.update(replace(stale, display_name="Siti A."))  # a record read before the sign-out
        assert not uow.users.end_sessions(user_id + 100)
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        found = uow.users.get(user_id)
    assert (found.session_epoch, found.display_name) == (2, "Siti A.")
