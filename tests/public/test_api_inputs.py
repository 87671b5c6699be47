"""Inputs that used to answer 500 (issue 13, item 7) and validation gaps (item 8): each gets a 4xx that names
the field, and nothing is stored."""
from __future__ import annotations

import json

import pytest

from .conftest import api_record, csrf_from, form_record
from .test_api import PROBLEM, count_tickets

SURROGATE = '"\\ud800"'  # JSON text: an escaped lone surrogate, which json.loads turns into half a character


def post_raw(client, path: str, text: str, headers: dict):
    return client.post(path, data=text.encode("utf-8"), headers={**headers, "Content-Type": "application/json"})


def record_with(field: str, json_value: str) -> str:
    """The API record as JSON text with ``field`` set to ``json_value`` (JSON text, spelled as a client may)."""
    text = json.dumps({**api_record(), field: "__X__"})
    return text.replace('"__X__"', json_value)


def assert_refused(response, status: int, field: str):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM and field in response.json["errors"], response.json


@pytest.mark.parametrize("field", ["nama", "uraian", "kategori", "telepon", "waktu_kejadian"])
def test_a_lone_surrogate_in_any_record_field_is_422_naming_it(client, api_key, rt, field):
    response = post_raw(client, "/api/v1/tickets", record_with(field, SURROGATE), api_key("intake"))
    assert_refused(response, 422, field)
    assert count_tickets(rt) == 0


def test_a_lone_surrogate_in_a_transition_input_is_422_naming_it(client, api_key):
    created = client.post("/api/v1/tickets", json=api_record(), headers=api_key("intake")).json
    response = post_raw(client, f"/api/v1/tickets/{created['receipt_no']}/transitions/verifikasi",
                        '{"inputs": {"tingkat": "ringan", "kewenangan": ' + SURROGATE + '}}', api_key("act"))
    assert_refused(response, 422, "inputs.kewenangan")


@pytest.mark.parametrize("moment", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+05:00"])
def test_datetimes_at_the_ends_of_the_calendar_are_422_naming_the_field(client, api_key, rt, moment):
    response = client.post("/api/v1/tickets", json=api_record(waktu_kejadian=moment), headers=api_key("intake"))
    assert_refused(response, 422, "waktu_kejadian")
    assert "tahun" in response.json["errors"]["waktu_kejadian"]
    assert count_tickets(rt) == 0


def test_the_public_form_refuses_year_one_naming_the_field(client, rt):
    page = client.get("/pengaduan/baru")
    data = {**form_record(waktu_kejadian="0001-01-01T00:00"), "csrf_token": csrf_from(page.get_data(as_text=True))}
    response = client.post("/pengaduan/baru", data=data)
    assert response.status_code == 422
    assert "antara tahun 1900" in response.get_data(as_text=True)
    assert count_tickets(rt) == 0


def test_deeply_nested_json_is_422_not_a_recursion_error(client, api_key):
    abyss = "[" * 100_000 + "]" * 100_000
    assert_refused(post_raw(client, "/api/v1/tickets", abyss, api_key("intake")), 422, "body")
    nested = record_with("nama", "[" * 200 + "]" * 200)
    assert_refused(post_raw(client, "/api/v1/tickets", nested, api_key("intake")), 422, "nama")


def test_a_nul_in_a_list_filter_is_422_naming_it(client, api_key):
    assert_refused(client.get("/api/v1/tickets?state=%00", headers=api_key("read")), 422, "state")


def test_phone_numbers_with_non_ascii_digits_are_refused(client, api_key, rt):
    response = client.post("/api/v1/tickets", json=api_record(telepon="0812٣٤٥٦٧٨٩"), headers=api_key("intake"))
    assert_refused(response, 422, "telepon")
    assert count_tickets(rt) == 0


def test_a_required_field_of_zero_width_characters_is_empty(client, api_key, rt):
    response = client.post("/api/v1/tickets", json=api_record(nama="\u200b\u200b\ufeff \u2060"),
                           headers=api_key("intake"))
    assert_refused(response, 422, "nama")
    assert response.json["errors"]["nama"] == "wajib diisi"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_refused(client, api_key, rt, constant):
    """A text field took NaN as the text "nan" before."""
    response = post_raw(client, "/api/v1/tickets", record_with("perihal", constant), api_key("intake"))
    assert_refused(response, 422, "perihal")
    assert count_tickets(rt) == 0


def test_an_empty_idempotency_key_is_422_not_no_key(client, api_key, rt):
    response = client.post("/api/v1/tickets", json=api_record(), headers={**api_key("intake"), "Idempotency-Key": ""})
    assert_refused(response, 422, "Idempotency-Key")
    assert count_tickets(rt) == 0
