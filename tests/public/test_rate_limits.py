"""Rate limits on the form, the tracking page and the API's token check: they trip and recover."""
from __future__ import annotations

import time
import uuid

import pytest

from admin.app import create_app
from tests.conftest import REDIS_URL, service_missing

from .conftest import csrf_from, form_record

WINDOW = 2  # seconds


def _wait_for_next_window():
    """Fixed windows are aligned to the clock: start just after a boundary so one burst stays in one window."""
    time.sleep(WINDOW - (time.time() % WINDOW) + 0.05)


@pytest.fixture
def app_config():
    return {"ALUR_RATELIMIT_FORM": f"2 per {WINDOW} seconds", "ALUR_RATELIMIT_TRACK": f"3 per {WINDOW} seconds",
            "ALUR_RATELIMIT_API_UPLOAD": f"2 per {WINDOW} seconds"}


def test_tracking_page_trips_429_with_a_friendly_page_and_recovers(client):
    _wait_for_next_window()
    codes = [client.get("/lacak?resi=ADU-2026-000001&token=x").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    blocked = client.get("/lacak?resi=ADU-2026-000001&token=x")
    assert "Terlalu banyak permintaan" in blocked.get_data(as_text=True) and blocked.headers["Retry-After"]
    time.sleep(WINDOW + 0.1)
    assert client.get("/lacak").status_code == 200


def test_refused_attempts_do_not_count_toward_the_form_limit_accepted_complaints_do(client):
    """Issue 14 item 1: three validation errors no longer lock a shared address out; accepted complaints count,
    and the 429 page says when to try again and that Back keeps what was typed."""
    _wait_for_next_window()
    token = csrf_from(client.get("/pengaduan/baru").get_data(as_text=True))
    refused = [client.post("/pengaduan/baru", data={**form_record(telepon="1"), "csrf_token": token}).status_code
               for _ in range(4)]
    assert refused == [422, 422, 422, 422]
    accepted = [client.post("/pengaduan/baru", data={**form_record(), "csrf_token": token}).status_code
                for _ in range(3)]
    assert accepted == [302, 302, 429]
    blocked = client.post("/pengaduan/baru", data={**form_record(), "csrf_token": token})
    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 429 and 1 <= int(blocked.headers["Retry-After"]) <= WINDOW + 1
    assert "Coba lagi dalam" in html and "tombol Kembali" in html and 'href="/"' in html
    assert client.get("/pengaduan/baru").status_code == 200
    time.sleep(WINDOW + 0.1)
    assert client.post("/pengaduan/baru", data={**form_record(), "csrf_token": token}).status_code == 302


@pytest.mark.parametrize("app_config", [{"ALUR_RATELIMIT_FORM": "100 per minute",
                                         "ALUR_RATELIMIT_FORM_ATTEMPTS": f"3 per {WINDOW} seconds"}])
def test_a_flood_of_refused_attempts_still_meets_the_higher_ceiling(client, app_config):
    _wait_for_next_window()
    token = csrf_from(client.get("/pengaduan/baru").get_data(as_text=True))
    codes = [client.post("/pengaduan/baru", data={**form_record(telepon="1"), "csrf_token": token},
                         headers={"Accept-Language": "en"}).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    blocked = client.post("/pengaduan/baru", data={**form_record(), "csrf_token": token},
                          headers={"Accept-Language": "en"})
    assert "Try again in" in blocked.get_data(as_text=True) and "Back button" in blocked.get_data(as_text=True)


def test_api_token_checks_trip_429_problem_json(client, api_key):
    headers = {**api_key("read"), "X-Tracking-Token": "tebakan"}
    _wait_for_next_window()
    codes = [client.get("/api/v1/tickets/ADU-2026-000001/status", headers=headers).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    blocked = client.get("/api/v1/tickets/ADU-2026-000001/status", headers=headers)
    assert blocked.mimetype == "application/problem+json" and blocked.json["status"] == 429


def test_api_uploads_are_limited_per_key_on_top_of_the_api_limit(client, api_key):
    """Evidence uploads count per key (each may carry MAX_FILES files); other keys and calls are unaffected."""
    import io

    from .conftest import PDF, api_record

    headers = api_key("intake", name="sipeka")
    receipt = client.post("/api/v1/tickets", json=api_record(), headers=headers).json["receipt_no"]

    def post(h):
        return client.post(f"/api/v1/tickets/{receipt}/attachments", headers=h, content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(PDF), "surat.pdf")]})

    _wait_for_next_window()
    codes = [post(headers).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    blocked = post(headers)
    assert blocked.mimetype == "application/problem+json" and blocked.headers["Retry-After"]
    assert client.get(f"/api/v1/tickets/{receipt}/attachments", headers=headers).status_code == 200
    assert post(api_key("intake", name="wa-gateway")).status_code == 404  # its own count; not its ticket
    time.sleep(WINDOW + 0.1)
    assert post(headers).status_code == 201


@pytest.mark.redis
def test_limits_are_shared_through_redis_when_configured(rt, tmp_path, monkeypatch):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # noqa: BLE001
        service_missing("Redis", exc)
    monkeypatch.setenv("ALUR_INSTANCE_PATH", str(tmp_path / "instance"))
    config = {"TESTING": True, "ALUR_REDIS_URL": REDIS_URL, "ALUR_RATELIMIT_TRACK": f"3 per {WINDOW} seconds",
              "ALUR_RATELIMIT_FORM": "100 per minute"}
    # two app instances (two web processes) share one counter; a unique client address isolates the run
    first, second = create_app(config, runtime=rt), create_app(config, runtime=rt)
    environ = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}
    _wait_for_next_window()
    codes = [app.test_client().get("/lacak?resi=A&token=b", environ_base=environ).status_code
             for app in (first, second, first, second)]
    assert codes == [404, 404, 404, 429]
