"""Who may open what: every /admin/ endpoint for every role and for anonymous visitors, against a
table written out here. A new console view that is not in the table fails the test, so no page can
slip in without a decision about who may use it. Also: CSRF on every form, and sign-in throttling
(admin/login_throttle.py): per address, per username and address, per account."""
from __future__ import annotations

import re

import pytest

from tests.console.conftest import PASSWORD, csrf_from, login, open_ticket
from workflow.core.guards import Actor

ANON = "anonymous"
USERS = ("admin", "kasi", "kabid", "kadis", "petugas", "tim", "esdm", "auditor")
SUP = {"kasi", "kabid", "kadis"}
CASE = {"petugas", "tim"} | SUP
ALL = set(USERS)

# endpoint -> the users who get past the access check (anonymous visitors never do: they are sent to
# the login page). Refused users get 403. "ok" means anything else: the page, a redirect inside the
# console, or the view's own answer to an empty form (400/404/409/422) after the role check passed.
EXPECTED: dict[str, set[str]] = {
    # home
    "admin.index": ALL,
    # officers and team (admin/console/work.py)
    "work.index": CASE,
    "work.ticket": CASE,
    "work.fire": CASE,
    "work.assign": CASE,  # take, assign to a colleague of the lane, release (admin/console/ownership.py)
    "work.note": CASE,  # an internal note on a ticket
    "work.handoff": CASE,  # withdraw an agency's part of a handoff (admin/console/handoffs.py)
    "work.attachment": CASE,
    "work.upload": CASE,  # add evidence to an open complaint (admin/console/evidence_upload.py)
    "work.identity": SUP,
    "work.record": {"petugas"},
    "work.receipt": {"petugas"} | SUP,
    # drafts that arrived by email or WhatsApp (admin/console/drafts.py): officers file them, supervisors look
    "drafts.index": {"petugas"} | SUP,
    "drafts.draft": {"petugas"} | SUP,
    "drafts.discard": {"petugas"},
    "drafts.add": {"petugas"},
    "drafts.file": {"petugas"} | SUP,
    "drafts.ticket": {"petugas"} | SUP,
    # complaint box sessions and referrals from other bodies (admin/console/channels.py)
    "box.index": {"petugas"} | SUP,
    "box.session": {"petugas"} | SUP,
    "box.open": {"petugas"},
    "box.close": {"petugas"},
    "dispositions.index": CASE,
    "dispositions.export": CASE,
    "dispositions.mark": CASE,
    # OPD liaisons (admin/console/opd.py)
    "opd.index": {"esdm"},
    "opd.ticket": {"esdm"},
    "opd.fire": {"esdm"},
    "opd.handoff": {"esdm"},  # acknowledge or answer the agency's own part
    # user administration (admin/console/users.py)
    "users.index": {"admin"},
    "users.create": {"admin"},
    "users.edit": {"admin"},
    "users.set_active": {"admin"},
    "users.password": {"admin"},
    # supervisors (admin/console/supervisor.py)
    "supervisor.index": SUP,
    "stages.index": SUP,  # where complaints wait, from the audit trail (admin/console/stages.py)
    "definitions.index": SUP,
    "definitions.edit": SUP,
    "definitions.version": SUP,
    "definitions.diagram": SUP,
    "definitions.migration": SUP,  # the deadline impact of moving complaints to a version
    "definitions.whatif": SUP,  # a draft replayed against a period's history (admin/console/whatif.py)
    "calendar.index": SUP,
    "calendar.change": SUP,
    # the office's profile and agencies (admin/console/office.py)
    "office.index": SUP,
    "office.logo": SUP,
    "office.agencies": SUP,
    # auditors, and the head of office (admin/console/auditor.py)
    "audit.index": {"auditor", "kadis"},
    "audit.export": {"auditor", "kadis"},
    "audit.identity_views": {"auditor", "kadis"},
    "audit.verify": {"auditor", "kadis"},
    # duplicates (admin/console/duplicates.py)
    "duplicates.index": {"petugas"} | SUP,
    "duplicates.act": {"petugas"} | SUP,
    # reports (admin/console/reports.py)
    "reports.index": SUP,
    "reports.download": SUP,
    "reports.add_cause": SUP,
    "reports.link": SUP,
    "reports.add_plan": SUP,
    "reports.plan_status": SUP,
    # the report the office signs (admin/console/report_documents.py); approving and publishing are further
    # limited to the top supervisor level by the service, which refuses others with the reason
    "report_documents.index": SUP,
    "report_documents.open": SUP,
    "report_documents.edit": SUP,
    "report_documents.save": SUP,
    "report_documents.approve": SUP,
    "report_documents.publish": SUP,
    "report_documents.reopen": SUP,
    "report_documents.compare": SUP,
    "report_documents.published": SUP,
    "report_documents.download": SUP,
    # every user's in-app inbox, and the delivery log (admin/console/inbox.py)
    "inbox.index": ALL,
    "inbox.message": ALL,
    "inbox.read_all": ALL,
    "deliveries.index": {"admin"} | SUP,
    "deliveries.retry": {"admin"} | SUP,
    "deliveries.retry_all": {"admin"} | SUP,
}
PUBLIC_ASSETS = {"admin.static"}  # Bootstrap and Flask-Admin's own files


def admin_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin") and r.endpoint not in PUBLIC_ASSETS]


def url_for_rule(rule, ticket_id: int) -> str:
    values = {"ticket_id": ticket_id, "key": "pengaduan-ptsp", "version": 1, "fmt": "jsonl", "export_type": "csv",
              "action": "abaikan", "plan_id": 1, "message_id": 1, "delivery_id": 1, "attachment_id": 1,
              "user_id": 1, "document_id": 1, "number": 1, "draft_id": 1, "file_id": 1,
              "session_id": 1, "obligation": "diterima", "kind": "csv"}
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values[name]), url)
    return url


def outcome(response) -> str:
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    assert response.status_code < 500, f"server error {response.status_code}"
    return "ok"


@pytest.fixture
def handed_ticket(rt):
    """A ticket with Dinas ESDM, so the liaison's pages have something of their own to show."""
    ticket_id = open_ticket(rt)
    petugas = Actor("petugas", frozenset({"petugas"}))
    rt.engine.fire(ticket_id, "verifikasi", petugas, {"tingkat": "berat", "kewenangan": "dalam"})
    rt.engine.fire(ticket_id, "teruskan_tim", petugas, {})
    rt.engine.fire(ticket_id, "serahkan_opd", Actor("tim", frozenset({"tim"})),
                   {"opd": "dinas_esdm", "permintaan": "Mohon tinjau."})
    return ticket_id


def test_every_console_endpoint_is_in_the_table(app):
    found = {r.endpoint for r in admin_rules(app)}
    missing = found - set(EXPECTED)
    assert not missing, f"new console endpoints without an authorization decision: {sorted(missing)}"
    # rows for modules not in this build are fine; rows for endpoints of our own modules must exist
    ours = {e for e in EXPECTED if e.split(".")[0] in ("admin", "work", "opd", "users")}
    assert ours <= found


@pytest.mark.parametrize("who", (ANON,) + USERS)
def test_authorization_matrix(app, handed_ticket, who):
    client = app.test_client()
    if who != ANON:
        assert login(client, who).status_code == 302
    token = csrf_from(client.get("/login").get_data(as_text=True))
    wrong = []
    for rule in admin_rules(app):
        url = url_for_rule(rule, handed_ticket)
        expected = "login" if who == ANON else ("ok" if who in EXPECTED[rule.endpoint] else "forbidden")
        for method in sorted(rule.methods & {"GET", "POST"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            got = outcome(response)
            if got != expected:
                wrong.append(f"{who} {method} {url} ({rule.endpoint}): expected {expected}, got {got} "
                             f"[{response.status_code}]")
    assert not wrong, "\n".join(wrong)


def test_a_disabled_user_is_signed_out_at_the_next_request(app, rt):
    from workflow.services.users import set_active

    client = app.test_client()
    login(client, "petugas")
    assert client.get("/admin/work/").status_code == 200
    set_active(rt.store, "petugas", False)
    assert outcome(client.get("/admin/work/")) == "login"


# -- CSRF -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("token", [None, "forged-token", "IjEyMzQ1Ig.ZZZZZZ.aaaaaaaaaaaaaaaaaaaaaaaaaaa"])
def test_posts_without_a_valid_csrf_token_are_refused(app, rt, handed_ticket, token):
    client = app.test_client()
    login(client, "esdm")
    data = {"trigger": "konfirmasi_opd", "expected_version": "4"}
    if token:
        data["csrf_token"] = token
    response = client.post(f"/admin/opd/ticket/{handed_ticket}/fire", data=data)
    assert response.status_code == 400
    assert rt.engine.load(handed_ticket).state == "diserahkan_opd"
    # the same post with the page's token goes through
    page = client.get(f"/admin/opd/ticket/{handed_ticket}").get_data(as_text=True)
    data["csrf_token"] = csrf_from(page)
    assert client.post(f"/admin/opd/ticket/{handed_ticket}/fire", data=data).status_code == 302
    assert rt.engine.load(handed_ticket).state == "diproses_opd"


def test_console_forms_carry_the_global_csrf_token(app, rt):
    client = app.test_client()
    login(client, "admin")
    page = client.get("/admin/users/new").get_data(as_text=True)
    form = {"username": "petugas2", "display_name": "Petugas Dua", "roles": "petugas", "locale": "id",
            "password": "kata-sandi-baru-1"}
    refused = client.post("/admin/users/new", data=form)
    assert refused.status_code == 400  # no token
    created = client.post("/admin/users/new", data={**form, "csrf_token": csrf_from(page)})
    assert created.status_code == 302
    fresh = app.test_client()
    assert login(fresh, "petugas2", "kata-sandi-baru-1").status_code == 302


def test_login_and_logout_forms_need_the_token(app):
    client = app.test_client()
    assert client.post("/login", data={"username": "petugas", "password": PASSWORD}).status_code == 400
    login(client, "petugas")
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/work/").status_code == 200  # still signed in


# -- throttling -------------------------------------------------------------------------------------
def _attempt(client, username, password, address=None, forwarded_for=None):
    """One sign-in through the form, from ``address`` (the connection's peer) if given."""
    if address is not None:
        client.environ_base["REMOTE_ADDR"] = address
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       headers=headers)


def test_failures_lock_the_username_from_that_address_even_with_the_right_password(app):
    app.config["ALUR_LOGIN_LOCKOUT"] = "3 per 15 minutes"
    client = app.test_client()
    codes = [_attempt(client, "kasi", "salah-salah", "10.0.0.66").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    locked = _attempt(client, "kasi", PASSWORD, "10.0.0.66")
    assert locked.status_code == 429
    text = locked.get_data(as_text=True)
    assert "dikunci sementara untuk alamat ini" in text and "Coba lagi setelah pukul" in text and " WIB" in text
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    # another username from the same address is not locked by that pair
    assert _attempt(app.test_client(), "tim", PASSWORD, "10.0.0.66").status_code == 302


def test_a_user_locked_out_from_one_address_still_signs_in_from_another(app):
    app.config["ALUR_LOGIN_LOCKOUT"] = "3 per 15 minutes"
    attacker = app.test_client()
    for _ in range(3):
        assert _attempt(attacker, "kasi", "tebak-tebak", "198.51.100.7").status_code == 401
    assert _attempt(attacker, "kasi", PASSWORD, "198.51.100.7").status_code == 429
    officer = app.test_client()
    assert _attempt(officer, "kasi", PASSWORD, "10.20.1.15").status_code == 302
    assert officer.get("/admin/work/").status_code == 200


def test_password_spraying_from_one_address_is_throttled(app):
    """One address trying one password on many usernames hits the per-address failure limit, whatever
    the usernames; a colleague at another address is not affected."""
    app.config["ALUR_LOGIN_ADDRESS_FAILURES"] = "4 per 15 minutes"
    client = app.test_client()
    names = ["petugas", "tim", "kasi", "kabid", "kadis", "auditor"]
    codes = [_attempt(client, name, "Rahasia123!", "203.0.113.9").status_code for name in names]
    assert codes == [401, 401, 401, 401, 429, 429]
    refused = _attempt(client, "admin", PASSWORD, "203.0.113.9")  # even a right password waits now
    assert refused.status_code == 429
    assert "gagal dari alamat jaringan Anda" in refused.get_data(as_text=True)
    assert _attempt(app.test_client(), "admin", PASSWORD, "203.0.113.10").status_code == 302


def test_login_attempts_per_address_are_rate_limited(app):
    app.config["ALUR_LOGIN_LIMIT_IP"] = "3 per minute"
    client = app.test_client()
    codes = [_attempt(client, name, "salah-salah", "192.0.2.1").status_code for name in ("a", "b", "c", "d")]
    assert codes == [401, 401, 401, 429]
    assert "Coba lagi setelah pukul" in _attempt(client, "e", "x", "192.0.2.1").get_data(as_text=True)


def test_a_distributed_guess_is_stopped_by_the_account_limit_but_known_browsers_still_sign_in(app):
    app.config["ALUR_LOGIN_ACCOUNT_FAILURES"] = "5 per hour"
    officer = app.test_client()
    assert _attempt(officer, "kasi", PASSWORD, "10.20.1.15").status_code == 302  # this browser is now known
    bots = [app.test_client() for _ in range(6)]
    codes = [_attempt(bot, "kasi", "tebakan-ke-" + str(i), f"198.51.100.{i}").status_code
             for i, bot in enumerate(bots)]
    assert codes == [401] * 5 + [429]  # each address is far below the pair lockout; the account is not
    stranger = _attempt(app.test_client(), "kasi", PASSWORD, "10.20.1.99")
    assert stranger.status_code == 429
    assert "peramban yang pernah dipakai masuk" in stranger.get_data(as_text=True)
    # the officer's own browser skips the account limit, even from a new address
    assert _attempt(officer, "kasi", PASSWORD, "10.20.1.16").status_code == 302
    # a known-browser cookie is bound to its username: it does not open the limit for another account
    for i in range(5):
        _attempt(bots[i], "kabid", "tebakan", f"198.51.100.{i}")
    assert _attempt(officer, "kabid", PASSWORD, "10.20.1.16").status_code == 429


def test_forwarded_for_is_ignored_unless_proxies_are_configured(rt, monkeypatch):
    from admin.app import create_app

    monkeypatch.setenv("ALUR_INSECURE_COOKIES", "1")
    config = {"TESTING": True, "SESSION_COOKIE_SECURE": False, "ALUR_LOGIN_LOCKOUT": "2 per 15 minutes"}
    direct = create_app(config, runtime=rt).test_client()
    for spoofed in ("1.1.1.1", "2.2.2.2"):  # a client cannot pick a fresh address per attempt
        assert _attempt(direct, "kasi", "salah-salah", "10.0.0.5", forwarded_for=spoofed).status_code == 401
    assert _attempt(direct, "kasi", PASSWORD, "10.0.0.5", forwarded_for="3.3.3.3").status_code == 429

    proxied_app = create_app({**config, "ALUR_PROXY_HOPS": 1}, runtime=rt)
    proxied = proxied_app.test_client()
    # behind one proxy (10.0.0.1) the client is the last X-Forwarded-For value; what the client sent
    # before it ("6.6.6.6", spoofed) is ignored
    for _ in range(2):
        assert _attempt(proxied, "kasi", "salah-salah", "10.0.0.1",
                        forwarded_for="6.6.6.6, 198.51.100.20").status_code == 401
    assert _attempt(proxied, "kasi", PASSWORD, "10.0.0.1",
                    forwarded_for="7.7.7.7, 198.51.100.20").status_code == 429
    # another officer behind the same proxy is a different address, and is not locked out
    assert _attempt(proxied_app.test_client(), "kasi", PASSWORD, "10.0.0.1",
                    forwarded_for="10.20.1.15").status_code == 302


def test_proxy_hops_must_be_a_number(rt):
    from admin.app import create_app

    with pytest.raises(ValueError, match="ALUR_PROXY_HOPS must be the number of reverse proxies"):
        create_app({"TESTING": True, "ALUR_PROXY_HOPS": "nginx"}, runtime=rt)


def test_ipv6_clients_are_counted_per_64(app):
    app.config["ALUR_LOGIN_LOCKOUT"] = "2 per 15 minutes"
    client = app.test_client()
    for host in ("2001:db8:1:2::10", "2001:db8:1:2::11"):  # two hosts of one /64: one address
        assert _attempt(client, "kasi", "salah-salah", host).status_code == 401
    assert _attempt(client, "kasi", PASSWORD, "2001:db8:1:2:ffff::1").status_code == 429
    assert _attempt(app.test_client(), "kasi", PASSWORD, "2001:db8:1:3::10").status_code == 302


@pytest.mark.redis
def test_login_throttle_uses_redis_when_configured(rt, monkeypatch):
    import uuid

    import redis

    from admin.app import create_app
    from tests.conftest import REDIS_URL, service_missing

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means the service is missing
        service_missing("Redis", exc)
    monkeypatch.setenv("ALUR_INSECURE_COOKIES", "1")
    # fresh keys: the Redis database outlives the test
    user = f"nobody-{uuid.uuid4().hex[:8]}"
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    config = {"TESTING": True, "ALUR_REDIS_URL": REDIS_URL, "ALUR_LOGIN_LOCKOUT": "2 per minute"}
    first, second = create_app(config, runtime=rt), create_app(config, runtime=rt)
    assert _attempt(first.test_client(), user, "salah-salah", address).status_code == 401
    assert _attempt(second.test_client(), user, "salah-salah", address).status_code == 401
    # a third try through another process's app is refused: the count lives in Redis, not in memory
    assert _attempt(first.test_client(), user, "salah-salah", address).status_code == 429
