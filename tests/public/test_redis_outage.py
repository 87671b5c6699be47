"""The site keeps serving when Redis is down (issue 13, item 4), and the ``ALUR_RATELIMIT_*`` settings are
read from the environment and checked at start (item 5)."""
from __future__ import annotations

import logging

import pytest

from admin.app import create_app
from tests.web import PASSWORD, post_login

from .conftest import api_record, csrf_from, form_record
from .test_rate_limits import WINDOW, _wait_for_next_window

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


@pytest.fixture
def app_config():
    return {"ALUR_REDIS_URL": DEAD_REDIS, "ALUR_RATELIMIT_TRACK": f"3 per {WINDOW} seconds",
            "ALUR_RATELIMIT_FORM": "100 per minute"}


def test_with_redis_down_the_api_form_tracking_and_sign_in_still_answer(client, api_key, caplog):
    caplog.set_level(logging.WARNING)
    assert client.get("/api/v1/openapi.json").status_code == 200
    filed = client.post("/api/v1/tickets", json=api_record(), headers=api_key("intake"))
    assert filed.status_code == 201, filed.get_data(as_text=True)[:500]
    page = client.get("/pengaduan/baru")
    assert page.status_code == 200
    posted = client.post("/pengaduan/baru",
                         data={**form_record(), "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert posted.status_code == 302
    assert client.get("/lacak?resi=ADU-2026-000001&token=salah").status_code == 404
    signed_in = post_login(client, "petugas", PASSWORD)
    assert signed_in.status_code == 302 and "/login" not in signed_in.headers["Location"]
    health = client.get("/healthz")
    assert health.status_code == 200
    assert (health.json["database"], health.json["redis"], health.json["rate_limits"]) == \
        ("ok", "unreachable", "per-process")
    assert any("unreachable" in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


def test_with_redis_down_limits_still_count_in_the_process(client):
    _wait_for_next_window()
    codes = [client.get("/lacak?resi=A&token=b").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_rate_limit_settings_come_from_the_environment(rt, monkeypatch, api_key):
    monkeypatch.setenv("ALUR_RATELIMIT_API", "2 per minute")
    client = create_app({"TESTING": True}, runtime=rt).test_client()
    headers = api_key("read")
    codes = [client.get("/api/v1/tickets", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.parametrize("name", ["ALUR_RATELIMIT_FORM", "ALUR_RATELIMIT_TRACK", "ALUR_RATELIMIT_API",
                                  "ALUR_RATELIMIT_API_UPLOAD", "ALUR_RATELIMIT_ENABLED"])
def test_a_malformed_rate_limit_setting_stops_the_start_naming_it(rt, monkeypatch, name):
    monkeypatch.setenv(name, "banyak sekali")
    with pytest.raises(ValueError, match=name):
        create_app({"TESTING": True}, runtime=rt)


@pytest.fixture
def silent_redis():
    """A Redis address that accepts connections and never answers (a hung server, a half-open firewall)."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


def test_a_redis_that_never_answers_costs_no_request_a_500(rt, api_key, silent_redis):
    """Several requests at once, as gunicorn's threads serve them: the ones already asking Redis when another
    gave up on it must not fail either."""
    import threading

    app = create_app({"TESTING": True, "ALUR_REDIS_URL": silent_redis}, runtime=rt)
    headers = api_key("read")
    codes: list[int] = []

    def ask() -> None:
        client = app.test_client()
        codes.extend(client.get("/api/v1/tickets", headers=headers).status_code for _ in range(3))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(set(codes)) == [200] and len(codes) == 18
