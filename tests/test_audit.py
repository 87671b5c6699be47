"""The audit row's seal: one serialisation of inputs and detail, the same hash as the canonical text.

The store writes rows with `seal`; `alur audit verify` and auditors re-check them with `chain_hash`
over the canonical text of the whole row. If the two ever disagreed, every new row would fail
verification, so they are held equal here on arbitrary content, including values that look like
the keys `seal` splices at.
"""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.core.audit import CONTENT_FIELDS, GENESIS, canonical, chain_hash, seal

TRICKY = st.sampled_from([',"from_state":', ',"kind":', '","inputs":{}', "\\u0000", "é ✓ 中", '"', "\\"])
TEXT = st.one_of(st.text(max_size=20), TRICKY)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), TEXT,
                   st.datetimes(timezones=st.just(timezone.utc)))
NESTED = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)


def content(**overrides):
    row = {"seq": 7, "kind": "transition", "at": datetime(2026, 11, 30, 2, 1, tzinfo=timezone.utc),
           "actor_id": "petugas1", "actor_role": "petugas", "ticket_id": 3, "receipt_no": "ADU-2026-000003",
           "trigger": "lengkapi", "from_state": "menunggu_kelengkapan", "to_state": "diterima",
           "inputs": {"kelengkapan": "terlampir"}, "definition_key": "pengaduan-ptsp", "definition_version": 1,
           "detail": {"clocks": [{"clock": "penyelesaian", "op": "resume",
                                  "due_at": datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)}]}}
    row.update(overrides)
    return row


def test_seal_of_a_transition_row_is_its_chain_hash_and_canonical_texts():
    row = content()
    digest, inputs, detail = seal(GENESIS, row)
    assert digest == chain_hash(GENESIS, row)
    assert inputs == '{"kelengkapan":"terlampir"}'
    assert detail == canonical(row["detail"]).decode("utf-8")
    assert '"due_at":"2026-12-07T02:00:00.000000Z"' in detail


@settings(max_examples=300, deadline=None)
@given(actor_id=TEXT, actor_role=TEXT, receipt_no=st.one_of(st.none(), TEXT), trigger=st.one_of(st.none(), TEXT),
       from_state=st.one_of(st.none(), TEXT), to_state=st.one_of(st.none(), TEXT),
       inputs=st.dictionaries(TEXT, NESTED, max_size=4), detail=st.dictionaries(TEXT, NESTED, max_size=4),
       prev=st.sampled_from([GENESIS, "ab" * 32]))
def test_seal_agrees_with_chain_hash_on_any_row(actor_id, actor_role, receipt_no, trigger, from_state, to_state,
                                                inputs, detail, prev):
    row = content(actor_id=actor_id, actor_role=actor_role, receipt_no=receipt_no, trigger=trigger,
                  from_state=from_state, to_state=to_state, inputs=inputs, detail=detail)
    assert set(row) == set(CONTENT_FIELDS)
    digest, inputs_text, detail_text = seal(prev, row)
    assert digest == chain_hash(prev, row)
    assert inputs_text == canonical(inputs).decode("utf-8")
    assert detail_text == canonical(detail).decode("utf-8")


def test_seal_of_content_with_other_fields_still_hashes_it_canonically():
    row = dict(content(), extra="kept")
    assert seal(GENESIS, row)[0] == chain_hash(GENESIS, row)
