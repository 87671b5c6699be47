"""Text search over tickets: the SQL the console's search runs and the indexes that serve it.

The work queue's search box matches a complaint's subject (``perihal``) and, for roles allowed to
see identities, the complainant's name, as a case-insensitive substring ("aminah" finds "Siti
Aminah"). A substring ``LIKE '%…%'`` cannot use a B-tree, so on PostgreSQL migration
``0009_search_trigram`` adds ``pg_trgm`` GIN indexes on exactly the expressions below: the planner
then answers from the index instead of reading every identity (measured in the migration's
docstring). The expressions here and the index definitions must stay identical, or PostgreSQL stops
using the indexes; tests/test_search.py checks the plan.

SQLite has no trigram index; an embedded office holds thousands of tickets, not millions, and scans
them in milliseconds.
"""
from __future__ import annotations

from sqlalchemy import String, and_, false, func, literal, or_, select, true, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from workflow.store import models as m
from workflow.store.db import read_only

#: The identity field the search reads (the definitions' record field for the complainant's name).
NAME_FIELD = "nama"


class lower_json_text(FunctionElement):  # noqa: N801 - a SQL function name
    """``lower(<json column> ->> '<key>')`` with the key as a literal, so an expression index can match.

    SQLAlchemy's own ``column["key"].as_string()`` binds the key as a parameter and casts the result,
    which PostgreSQL cannot match against an index expression.
    """

    type = String()
    inherit_cache = True
    name = "lower_json_text"

    def __init__(self, column, key: str):
        if not key.isidentifier():
            raise ValueError(f"JSON key {key!r} must be an identifier (it is written into the SQL)")
        self.key = key
        super().__init__(column)


@compiles(lower_json_text)
def _sqlite(element, compiler, **kw):
    return f"lower(json_extract({compiler.process(element.clauses, **kw)}, '$.{element.key}'))"


@compiles(lower_json_text, "postgresql")
def _postgresql(element, compiler, **kw):
    return f"lower(({compiler.process(element.clauses, **kw)} ->> '{element.key}'))"


def identity_name():
    """The complainant's name, lower-cased (indexed by ``ix_identities_name_trgm`` on PostgreSQL)."""
    return lower_json_text(m.identities.c.data, NAME_FIELD)


def subject():
    """The complaint's subject, lower-cased (indexed by ``ix_tickets_perihal_trgm`` on PostgreSQL)."""
    return func.lower(m.tickets.c.perihal)


def substring_pattern(text: str) -> str:
    """A ``LIKE`` pattern that finds ``text`` anywhere, case-insensitively; wildcards typed are dropped."""
    return "%" + text.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"


#: Up to this many matches, a search is answered from the indexes by id; beyond, matches are common.
SEARCH_CAP = 2000


def search_condition(conn, text: str, *, names: bool, secret_names: bool):
    """A condition on ``tickets`` for the search box: the subject contains ``text``, the registration
    number is ``text``, or (with ``names``) the complainant's name contains it; names of confidential
    (*rahasia*) complaints count only with ``secret_names``.

    Exact either way, and fast either way, by asking the indexes first. Rare text (most names, a
    typo): the matching ids are gathered from the trigram and B-tree indexes, at most `SEARCH_CAP` of
    them, and the page is read by id. Common text ("izin"): the cap is reached after a few
    milliseconds, so the condition is tested on the queue's own ordered index scan, which meets a
    page's worth of matches almost at once. One plan for both cases is slow for one of them at
    1,000,000 tickets: the row-by-row test walked every open ticket for a name nobody has (363 ms),
    the id set took a second to build for a word most subjects contain (see the closing figures in
    migration 0009's docstring).
    """
    t, i = m.tickets, m.identities
    pattern = substring_pattern(text)
    by_subject = subject().like(pattern)
    by_registration = t.c.no_registrasi == text
    secret_ok = true() if secret_names else t.c.kerahasiaan != "rahasia"
    arms = [select(t.c.id, literal(False)).where(by_registration), select(t.c.id, literal(False)).where(by_subject)]
    if names:  # no join here: a join would hash every identity with that name before the first row
        arms.append(select(i.c.ticket_id, literal(True)).where(identity_name().like(pattern)))
    found = conn.execute(union_all(*arms).limit(SEARCH_CAP + 1)).all()
    if len(found) <= SEARCH_CAP:
        direct = sorted({ticket_id for ticket_id, by_name in found if not by_name})
        named = sorted({ticket_id for ticket_id, by_name in found if by_name})
        return or_(t.c.id.in_(direct) if direct else false(),
                   and_(t.c.id.in_(named), secret_ok) if named else false())
    conditions = [by_subject, by_registration]
    if names:
        # One primary-key probe per ticket the ordered scan meets. OFFSET keeps PostgreSQL from turning
        # the EXISTS into a hashed set of every identity with that name, which for a common one ("siti")
        # is most of the time spent.
        probe = select(i.c.ticket_id).where(i.c.ticket_id == t.c.id, identity_name().like(pattern)).offset(0)
        conditions.append(and_(probe.exists(), secret_ok))
    return or_(*conditions)


def secret_name_matches(store, text: str, ticket_ids) -> list[tuple[int, str]]:
    """Of ``ticket_ids`` (a page of search results), the rahasia tickets whose complainant's name
    contains ``text``, as (id, receipt number): the confidential identities the search has read."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return []
    t, i = m.tickets, m.identities
    query = (select(t.c.id, t.c.receipt_no).join(i, i.c.ticket_id == t.c.id)
             .where(t.c.id.in_(ids), t.c.kerahasiaan == "rahasia", identity_name().like(substring_pattern(text)))
             .order_by(t.c.id))
    with read_only(store.engine) as conn:
        return [(row.id, row.receipt_no) for row in conn.execute(query)]


__all__ = ["identity_name", "subject", "substring_pattern", "search_condition", "SEARCH_CAP", "lower_json_text",
           "NAME_FIELD", "secret_name_matches"]
