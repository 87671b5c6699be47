"""The port's account repositories on every store: console users (uow.users), integration API keys
(uow.api_keys) and their Idempotency-Keys (uow.idempotency)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from workflow.store.port import ApiKeyRecord, UserRecord

from .test_port_contract import NOW, opened

KASI = UserRecord("kasi", "Kepala Seksi", ("supervisor",), supervisor_level=1, email="kasi@example.id",
                  created_at=NOW)
ESDM = UserRecord("esdm", "Penghubung ESDM", ("opd_liaison",), opd="dinas_esdm", locale="en", created_at=NOW)


def key(name: str = "sipeka", prefix: str = "0a1b2c3d", **changes) -> ApiKeyRecord:
    return replace(ApiKeyRecord(name, prefix, "f" * 64, ("intake", "read"), "petugas", NOW), **changes)


def test_an_account_is_stored_whole_and_its_username_is_unique(port_store):
    with port_store.unit_of_work() as uow:
        kasi_id = uow.users.add(KASI, "hash-kasi")
        assert uow.users.add(replace(KASI, display_name="Lain"), "hash-lain") is None
        esdm_id = uow.users.add(ESDM, "hash-esdm")
        uow.commit()  # the refused duplicate did not spoil the unit of work
    with port_store.unit_of_work() as uow:
        assert uow.users.get(kasi_id) == replace(KASI, id=kasi_id)
        assert uow.users.by_name("esdm") == replace(ESDM, id=esdm_id)
        assert [u.username for u in uow.users.all()] == ["esdm", "kasi"]
        assert uow.users.password_hash(kasi_id) == "hash-kasi"
        assert uow.users.get(999) is None and uow.users.by_name("nobody") is None
        assert uow.users.password_hash(999) is None
        assert uow.users.get(kasi_id).created_at.tzinfo is not None


def test_an_update_changes_the_profile_but_never_the_username_or_password(port_store):
    with port_store.unit_of_work() as uow:
        kasi_id = uow.users.add(KASI, "hash-kasi")
        uow.commit()
    changed = replace(KASI, id=kasi_id, username="renamed", display_name="Kabid", roles=("supervisor", "auditor"),
                      supervisor_level=2, email=None, phone="0812", locale="en", active=False)
    with port_store.unit_of_work() as uow:
        assert uow.users.update(changed) is True
        assert uow.users.update(replace(changed, id=999)) is False
        assert uow.users.set_password_hash(kasi_id, "hash-baru") is True
        assert uow.users.set_password_hash(999, "x") is False
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.users.by_name("kasi") == replace(changed, username="kasi")
        assert uow.users.password_hash(kasi_id) == "hash-baru"


def test_account_changes_are_rolled_back_without_commit(port_store):
    with port_store.unit_of_work() as uow:
        uow.users.add(KASI, "hash-kasi")
    with port_store.unit_of_work() as uow:
        assert uow.users.all() == []


def test_api_keys_are_found_by_prefix_named_while_active_and_revoked_once(port_store):
    with port_store.unit_of_work() as uow:
        first = uow.api_keys.add(key())
        assert uow.api_keys.add(key(name="other")) is None  # the prefix is taken
        second = uow.api_keys.add(key(prefix="99887766", scopes=("act",), role="tim"))
        uow.commit()
    later = NOW + timedelta(minutes=5)
    with port_store.unit_of_work() as uow:
        assert uow.api_keys.by_prefix("0a1b2c3d") == key(id=first)
        assert uow.api_keys.by_prefix("ffffffff") is None
        assert uow.api_keys.active_named("sipeka") == first and uow.api_keys.active_named("lapor") is None
        uow.api_keys.touch(second, later)
        assert uow.api_keys.revoke(first, later) is True
        assert uow.api_keys.revoke(first, later) is False
        assert uow.api_keys.revoke(999, later) is False
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.api_keys.active_named("sipeka") == second
        assert [(k.id, k.revoked_at, k.last_used_at, k.scopes) for k in uow.api_keys.all()] == \
            [(first, later, None, ("intake", "read")), (second, None, later, ("act",))]


def test_an_idempotency_key_is_claimed_once_per_api_key_until_released_or_expired(port_store):
    with port_store.unit_of_work() as uow:
        sipeka, lapor = uow.api_keys.add(key()), uow.api_keys.add(key("lapor", "11111111"))
        uow.commit()
    window = timedelta(hours=24)
    with port_store.unit_of_work() as uow:
        claim = uow.idempotency.claim(sipeka, "k-1", "a" * 64, NOW, forget_before=NOW - window)
        assert uow.idempotency.claim(sipeka, "k-1", "b" * 64, NOW, forget_before=NOW - window) is None
        assert uow.idempotency.claim(lapor, "k-1", "a" * 64, NOW, forget_before=NOW - window) is not None
        uow.commit()
    with port_store.unit_of_work() as uow:
        found = uow.idempotency.find(sipeka, "k-1")
        assert (found.id, found.request_hash, found.response, found.created_at) == (claim, "a" * 64, None, NOW)
        uow.idempotency.release(claim)
        assert uow.idempotency.find(sipeka, "k-1") is None
        again = uow.idempotency.claim(sipeka, "k-1", "c" * 64, NOW, forget_before=NOW - window)
        assert again is not None
        uow.commit()
    day_later = NOW + timedelta(hours=25)
    with port_store.unit_of_work() as uow:  # past the window the key is free again, and only sipeka's rows go
        renewed = uow.idempotency.claim(sipeka, "k-1", "d" * 64, day_later, forget_before=day_later - window)
        assert renewed is not None and uow.idempotency.find(sipeka, "k-1").request_hash == "d" * 64
        assert uow.idempotency.find(lapor, "k-1") is not None
        uow.commit()


def test_a_claimed_key_remembers_its_answer(port_store):
    ticket = opened(port_store)
    with port_store.unit_of_work() as uow:
        sipeka = uow.api_keys.add(key())
        claim = uow.idempotency.claim(sipeka, "k-1", "a" * 64, NOW, forget_before=NOW - timedelta(hours=24))
        uow.idempotency.remember(claim, ticket.id, 201, '{"receipt_no": "ADU-2026-000001"}')
        uow.commit()
    with port_store.unit_of_work() as uow:
        found = uow.idempotency.find(sipeka, "k-1")
    assert (found.ticket_id, found.status_code, found.response) == (ticket.id, 201, '{"receipt_no": "ADU-2026-000001"}')
