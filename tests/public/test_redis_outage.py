"""The site keeps serving when Redis is down (issue 13, item 4), and the ``ALUR_RATELIMIT_*`` settings are
read from the environment and checked at start (item 5)."""
from __future__ import annotations

import logging

import pytest

from admin.app import create_app

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
    posted = client.post("/pengaduan/baru", data={**form_record(), "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert posted.status_code == 302
    assert client.get("/lacak?resi=ADU-2026-000001&token=salah").status_code == 404
    login = client.get("/login")
    signed_in = client.post("/login", data={"username": "petugas", "password": "rahasia-uji-123",
                                            "csrf_token": csrf_from(login.get_data(as_text=True))})
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
