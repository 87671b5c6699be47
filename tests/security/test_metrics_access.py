"""/metrics tells how many complaints of which kind are open: closed to the network unless a token is
set, open without one only to a scraper on the same machine (loopback, not through a proxy)."""
from __future__ import annotations

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


def test_without_a_token_metrics_answer_only_loopback(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    refused = client.get("/metrics", environ_base=OUTSIDE)
    assert refused.status_code == 403 and "ALUR_METRICS_TOKEN" in refused.get_data(as_text=True)
    assert "alur_" not in refused.get_data(as_text=True)


def test_a_request_forwarded_by_a_proxy_on_the_same_machine_is_not_loopback(client):
    forwarded = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                           headers={"X-Forwarded-For": "203.0.113.7"})
    assert forwarded.status_code == 403


def test_with_a_token_every_address_needs_it(app, client):
    app.config["ALUR_METRICS_TOKEN"] = "s3cret-token"
    for where in (OUTSIDE, {"REMOTE_ADDR": "127.0.0.1"}):
        assert client.get("/metrics", environ_base=where).status_code == 401
        ok = client.get("/metrics", environ_base=where, headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200 and "alur_open_tickets" in ok.get_data(as_text=True)
