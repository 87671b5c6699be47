"""Every public page and every console page of every role, walked in Chromium with the demo office's data
(tests/walk/walker.py): no critical or serious axe-core violation, each page titled for itself and in the
page's language, no server error, and no raw code or English word where a person reads (issue 14, items 6
and 10)."""
from __future__ import annotations

import re
from collections import defaultdict

import pytest

from tests.browser import MARKS
from tests.web import STAFF
from workflow.spec.outcomes import CATEGORY_LABELS

from .walker import ROLES, Walk, demo_app, start_urls, walk_site

pytestmark = [*MARKS, pytest.mark.slow]

#: English words a page in Indonesian must not show (the reports of issue 14 and Flask-Admin's defaults).
ENGLISH = ("notification", "system", "Bytes", "true", "false", "None", "null", "Password", "Hash", "active",
           "Save", "Cancel", "Submit", "Delete", "Edit", "Create", "Search", "Actions", "Previous", "Next",
           "items", "Loading", "unknown", "Yes", "Back", "Details", "Home", "Inbox", "Users", "holidays",
           "Add", "Remove", "Filter", "Record", "ticket", "trigger", "state", "clock", "deadline", "pending",
           "queued", "sent", "failed", "skipped", "created", "updated", "login", "logout")


@pytest.fixture(scope="module")
def walk(tmp_path_factory, web_template) -> Walk:
    with demo_app(tmp_path_factory.mktemp("walk"), web_template) as (app, rt):
        yield walk_site(app, rt)


def raw_codes(rt) -> tuple[set[str], dict[str, set[str]], set[str]]:
    """The codes people must never read, from the published definitions and the catalogs: codes with an
    underscore (never a word), and single-word codes with the labels they stand for (a code equal to its
    label, such as "ringan" for "Ringan", is a word); and every label, which is never a code even when it
    holds one ("Selesai (dijawab)")."""
    from workflow.store.queries.definitions import latest_versions

    pairs: list[tuple[str, list[str]]] = []
    for row in latest_versions(rt.store):
        d = rt.engine.definition(row["key"], row["version"])
        pairs += [(k, [s.label, s.label_en]) for k, s in d.states.items()]
        pairs += [(k, [r.label, r.label_en]) for k, r in d.roles.items()]
        pairs += [(lane.key, [lane.label, lane.label_en]) for lane in d.lanes]
        pairs += [(k, [o.label, o.label_en]) for k, o in d.outcomes.items()]
        pairs += [(k, [c.label, c.label_en]) for k, c in d.clocks.items()]
        pairs += [(k, [h.label, h.label_en]) for k, h in d.handoffs.items()]
        pairs += [(t.trigger, [t.label, t.label_en]) for t in d.transitions]
        for f in [*d.record, *(i for t in d.transitions for i in t.inputs)]:
            pairs += [(o, []) for o in f.options]
    for catalog in rt.catalogs.values():
        pairs += [(code, [e.label, e.label_en]) for code, e in catalog.entries.items()]
    joined, single = set(), defaultdict(set)
    known_labels = {label for _, labels in pairs for label in labels if label}
    known_labels |= {label for pair in CATEGORY_LABELS.values() for label in pair}
    for code, labels in pairs:
        if not code or code in STAFF:  # a test account's username is its user's name, not a code
            continue
        if "_" in code:
            joined.add(code)
        elif not any(label and label.lower() == code.lower() for label in labels):
            single[code].update(label for label in labels if label)
    return joined, single, known_labels


def test_every_page_has_no_critical_or_serious_accessibility_violation(walk):
    found = [f"{v.role} {v.url}: {x['id']} ({x['impact']}, {len(x['nodes'])}×) e.g. {x['nodes'][0]['target']}"
             for v in walk.visits for x in v.violations]
    assert not found, f"{len(found)} page violations:\n" + "\n".join(found[:60])


def test_every_page_of_every_role_was_walked_without_a_server_error(walk):
    assert {v.role for v in walk.visits} == {"publik", *ROLES}
    errors = [f"{v.role} {v.url}: {v.status}" for v in walk.visits if v.status >= 500]
    assert not errors
    unreached = [u for u in start_urls(walk.app, console=True) + start_urls(walk.app, console=False)
                 if not any(v.url.split("?")[0] == u for v in walk.visits)]
    assert not unreached, f"pages no role could open: {unreached}"
    for endpoint in ("work.ticket", "work.receipt", "opd.ticket", "definitions.version", "users.edit"):
        assert walk.endpoints.get(endpoint), f"no link led to {endpoint}"


def test_every_page_is_titled_for_itself_in_its_language(walk):
    titles: dict[str, set[str]] = defaultdict(set)
    for v in walk.visits:
        assert v.lang in ("id", "en"), f"{v.role} {v.url}: <html lang={v.lang!r}>"
        titles[v.title].add(v.endpoint)
    shared = {t: e for t, e in titles.items() if len(e) > 1}
    assert not shared, f"pages sharing one title: {shared}"


def test_no_page_shows_a_raw_code_or_an_english_word(walk):
    joined, single, labels = raw_codes(walk.rt)
    joined_re = re.compile(r"(?<![\w/.-])(" + "|".join(sorted(map(re.escape, joined), key=len, reverse=True))
                           + r")(?![\w/.-])")
    english_re = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b")
    found = set()
    for v in walk.visits:
        for text in v.texts:
            if text in labels:
                continue
            for hit in joined_re.findall(text):
                found.add(f"{v.endpoint}: code {hit!r} in {text[:80]!r}")
            for code in single:
                if text == code or f"({code})" in text:
                    found.add(f"{v.endpoint}: code {code!r} in {text[:80]!r}")
            if v.lang == "id":
                for word in english_re.findall(text):
                    found.add(f"{v.endpoint}: English {word!r} in {text[:80]!r}")
    assert not found, f"{len(found)} raw codes or English words:\n" + "\n".join(sorted(found)[:150])
