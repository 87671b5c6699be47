"""The account use cases on the in-memory store: console users (workflow.services.users), integration API
keys (workflow.services.apikeys), Idempotency-Keys (workflow.services.idempotency) and the audited
identity reveal (workflow.services.identity.reveal_identity)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from tests.conftest import MONDAY_9_WIB, memory_runtime, walk_in_record
from workflow.core.guards import Actor
from workflow.errors import AlurError, AuthError
from workflow.services import apikeys, idempotency, users
from workflow.services.identity import reveal_identity
from workflow.spec.catalog import default_catalogs

PASSWORD = "kata-sandi-uji"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """argon2 with the library's defaults costs ~0.5 s a hash; verification reads the cost from the hash."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def sop_store(memory_store):
    """The memory store with the shipped SOP published: its roles (petugas, tim, kepala_seksi …) can be given."""
    memory_runtime(memory_store)
    return memory_store


def test_auth_error_is_an_alur_error_and_still_a_value_error():
    assert issubclass(AuthError, AlurError) and issubclass(AuthError, ValueError)


def test_a_created_user_signs_in_by_any_spelling_of_the_name_and_not_with_a_wrong_password(sop_store):
    created = users.create_user(sop_store, "  Kasi ", PASSWORD, ["supervisor"], supervisor_level=1,
                                display_name="Kepala Seksi", now=MONDAY_9_WIB)
    assert (created.username, created.roles, created.supervisor_level, created.active) == \
        ("kasi", ("supervisor",), 1, True)
    assert users.authenticate(sop_store, "KASI", PASSWORD) == created
    assert users.authenticate(sop_store, "kasi", "salah-sandi") is None
    assert users.authenticate(sop_store, "nobody", PASSWORD) is None
    with pytest.raises(AuthError, match="already exists"):
        users.create_user(sop_store, "kasi", PASSWORD, ["petugas"])
    assert [u.username for u in users.list_users(sop_store)] == ["kasi"]


@pytest.mark.parametrize("roles, level, opd, message", [
    ([], None, None, "at least one role"),
    (["kepala"], None, None, "unknown role"),
    (["supervisor"], None, None, "--level"),
    (["petugas"], 2, None, "--level is only"),
    (["opd_liaison"], None, None, "--opd"),
    (["opd_liaison"], None, "dinas_tidak_ada", "unknown OPD"),
    (["petugas"], None, "dinas_esdm", "--opd is only"),
])
def test_role_rules_refuse_with_what_to_fix(sop_store, roles, level, opd, message):
    with pytest.raises(AuthError, match=message):
        users.create_user(sop_store, "baru", PASSWORD, roles, supervisor_level=level, opd=opd,
                          catalogs=default_catalogs())
    assert users.list_users(sop_store) == []


def test_names_and_passwords_that_cannot_be_accounts_are_refused(sop_store):
    with pytest.raises(AuthError, match="without spaces"):
        users.create_user(sop_store, "dua kata", PASSWORD, ["petugas"])
    with pytest.raises(AuthError, match="at least 12 characters"):
        users.create_user(sop_store, "pendek", "1234567", ["petugas"])
    with pytest.raises(AuthError, match="language"):
        users.create_user(sop_store, "bahasa", PASSWORD, ["petugas"], locale="fr")


def test_roles_level_and_opd_change_together_and_the_rest_stays(sop_store):
    users.create_user(sop_store, "esdm", PASSWORD, ["petugas"], email="esdm@example.id")
    changed = users.change_user(sop_store, "esdm", roles=["opd_liaison"], opd="dinas_esdm",
                                catalogs=default_catalogs())
    assert (changed.roles, changed.opd, changed.email, changed.display_name) == \
        (("opd_liaison",), "dinas_esdm", "esdm@example.id", "esdm")
    with pytest.raises(AuthError, match="--opd"):
        users.change_user(sop_store, "esdm", roles=["opd_liaison"])
    assert users.get_user_by_name(sop_store, "esdm") == changed
    with pytest.raises(AuthError, match="no user"):
        users.change_user(sop_store, "nobody", roles=["petugas"])


def test_a_disabled_user_cannot_sign_in_and_a_new_password_replaces_the_old(sop_store):
    users.create_user(sop_store, "tim", PASSWORD, ["tim"])
    users.set_active(sop_store, "tim", False)
    assert users.authenticate(sop_store, "tim", PASSWORD) is None
    users.set_active(sop_store, "tim", True)
    users.set_password(sop_store, "tim", "sandi-yang-baru")
    assert users.authenticate(sop_store, "tim", PASSWORD) is None
    assert users.authenticate(sop_store, "tim", "sandi-yang-baru").username == "tim"
    with pytest.raises(AuthError, match="no user"):
        users.set_password(sop_store, "nobody", "sandi-yang-baru")


def test_an_api_key_is_shown_once_checked_by_hash_and_revoked_at_once(memory_store):
    key_id, key = apikeys.create_key(memory_store, "sipeka", ["read", "intake", "read"], now=MONDAY_9_WIB)
    assert key.startswith("alur_") and key not in str(apikeys.list_keys(memory_store))
    found = apikeys.authenticate(memory_store, key, now=MONDAY_9_WIB)
    assert (found.id, found.scopes, found.actor().id) == (key_id, frozenset({"intake", "read"}), "api:sipeka")
    assert apikeys.authenticate(memory_store, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert apikeys.authenticate(memory_store, "alur_nope") is None and apikeys.authenticate(memory_store, None) is None
    assert apikeys.revoke_key(memory_store, key_id) is True and apikeys.revoke_key(memory_store, key_id) is False
    assert apikeys.authenticate(memory_store, key) is None


def test_a_key_records_its_use_at_most_once_a_minute(memory_store):
    _, key = apikeys.create_key(memory_store, "sipeka", ["read"], now=MONDAY_9_WIB)
    apikeys.authenticate(memory_store, key, now=MONDAY_9_WIB)
    apikeys.authenticate(memory_store, key, now=MONDAY_9_WIB + timedelta(seconds=30))
    assert apikeys.list_keys(memory_store)[0].last_used_at == MONDAY_9_WIB
    apikeys.authenticate(memory_store, key, now=MONDAY_9_WIB + timedelta(minutes=2))
    assert apikeys.list_keys(memory_store)[0].last_used_at == MONDAY_9_WIB + timedelta(minutes=2)


def test_a_key_name_is_an_integration_so_a_second_active_one_needs_same_integration(memory_store):
    apikeys.create_key(memory_store, "sipeka", ["intake"])
    with pytest.raises(AuthError, match="same-integration"):
        apikeys.create_key(memory_store, "sipeka", ["intake"])
    apikeys.create_key(memory_store, "sipeka", ["intake"], same_integration=True)
    with pytest.raises(AuthError, match="unknown scope"):
        apikeys.create_key(memory_store, "lapor", ["write"])
    with pytest.raises(AuthError, match="name"):
        apikeys.create_key(memory_store, " ", ["read"])
    assert [k.name for k in apikeys.list_keys(memory_store)] == ["sipeka", "sipeka"]


def test_an_idempotency_key_is_claimed_with_its_work_and_answers_retries(memory_store):
    """The claim and its answer live in the work's unit of work: rolled back with it, kept with its commit."""
    key_id, _ = apikeys.create_key(memory_store, "sipeka", ["intake"])
    claim = idempotency.KeyClaim(key_id, "k-1", "a" * 64, timedelta(hours=24))
    with memory_store.unit_of_work() as uow:  # the work failed: nothing committed, the key stays free
        assert idempotency.claim_in(uow, claim, MONDAY_9_WIB)[0] is not None
    assert idempotency.find(memory_store, key_id, "k-1") is None
    with memory_store.unit_of_work() as uow:
        claim_id, earlier = idempotency.claim_in(uow, claim, MONDAY_9_WIB)
        idempotency.answer_in(uow, claim_id, 7, 201, '{"receipt_no": "ADU-2026-000001"}')
        uow.commit()
    with memory_store.unit_of_work() as uow:
        assert idempotency.claim_in(uow, claim, MONDAY_9_WIB)[1].response == '{"receipt_no": "ADU-2026-000001"}'
    later = MONDAY_9_WIB + timedelta(hours=25)
    with memory_store.unit_of_work() as uow:  # expired: free again
        claim_id, earlier = idempotency.claim_in(uow, claim, later)
        assert claim_id is not None and earlier is None


def test_a_claim_left_without_an_answer_is_taken_over(memory_store):
    """Versions before claims were committed with their work left a bare claim when they crashed."""
    key_id, _ = apikeys.create_key(memory_store, "sipeka", ["intake"])
    with memory_store.unit_of_work() as uow:
        stuck = uow.idempotency.claim(key_id, "k-1", "a" * 64, MONDAY_9_WIB, forget_before=MONDAY_9_WIB)
        uow.commit()
    with memory_store.unit_of_work() as uow:
        claim_id, earlier = idempotency.claim_in(uow,
                                                 idempotency.KeyClaim(key_id, "k-1", "a" * 64, timedelta(hours=24)),
                                                 MONDAY_9_WIB)
        assert earlier is None and claim_id not in (None, stuck)


def test_a_confidential_identity_is_revealed_with_its_audit_row_and_an_ordinary_one_without():
    rt = memory_runtime()
    petugas = Actor("petugas", frozenset({"petugas"}))
    secret = rt.engine.open("pengaduan-ptsp", walk_in_record(kerahasiaan="rahasia"), petugas).ticket
    plain = rt.engine.open("pengaduan-ptsp", walk_in_record(no_registrasi="REG-LAIN"), petugas).ticket
    kabid = Actor("kabid", frozenset({"supervisor", "kepala_bidang"}), "Kabid")
    before = rt.store.audit_count()
    identity = reveal_identity(rt.store, secret.id, kabid, "  verifikasi pungli ", MONDAY_9_WIB,
                               receipt_no=secret.receipt_no, confidential=True)
    assert identity["nama"] == "Siti Aminah"
    [row] = [r for r in rt.store.audit_rows() if r["kind"] == "identity_view"]
    assert (row["actor_id"], row["actor_role"], row["ticket_id"], row["receipt_no"]) == \
        ("kabid", "kepala_bidang", secret.id, secret.receipt_no)
    assert row["detail"] == {"purpose": "verifikasi pungli", "fields": sorted(identity)}
    assert reveal_identity(rt.store, plain.id, petugas, "halaman", MONDAY_9_WIB, known={"nama": "X"}) == {"nama": "X"}
    assert rt.store.audit_count() == before + 1
