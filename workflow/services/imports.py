"""Historical import: past complaints from the spreadsheet the office kept by hand.

The columns are those of the quarterly report's evaluation table (tanggal, pemohon, perihal, sektor,
jenis_izin, kategori, analisa, tindak_lanjut; optional kanal, tingkat, status, tanggal_selesai).
Sector, permit type and category are matched against the catalogs, tolerating case, spacing and
punctuation; an unknown value is an error naming the line and the closest entries. All rows or none:
the whole file is checked first, every bad line is listed, and nothing is written unless all are good;
then it is written in short batches (see `import_complaints` for why, and what a reader sees meanwhile).
Imported tickets are closed, marked ``imported``, and each gets an audit row naming the file and line.
The file is a CSV or an .xlsx workbook, and a row-number column ("No", "No.", "Nomor") is ignored
(`workflow.services.import_files`).
"""
from __future__ import annotations

import hashlib
import secrets
import time as time_module
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from workflow.core.audit import AuditEvent, identity_digest
from workflow.core.calendar import OFFICE_TZ
from workflow.core.receipts import format_receipt, hash_token
from workflow.core.ticket import Change, Ticket
from workflow.errors import ImportFailed, ImportLineError
from workflow.services.import_files import MAX_BYTES, read_table
from workflow.spec.catalog import Catalogs, normalise
from workflow.spec.located import did_you_mean
from workflow.spec.model import Definition

REQUIRED = ("tanggal", "pemohon", "perihal", "sektor", "jenis_izin", "kategori", "analisa", "tindak_lanjut")
OPTIONAL = ("kanal", "tingkat", "status", "tanggal_selesai")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d-%m-%y", "%d.%m.%Y")
BATCH = 500  # rows per transaction at most: the audit head is held for one batch, not for the file
BATCH_SECONDS = 0.25  # and for at most about this long: under load 500 rows took 20 s (the load run, loadtest/)


@dataclass
class ImportRow:
    line: int
    received: date
    closed: date
    values: dict[str, Any]
    pemohon: str
    state: str


@dataclass
class ImportResult:
    count: int
    receipts: list[str] = field(default_factory=list)


def parse_date(text: str) -> date:
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date; write 2021-01-18 or 18/01/2021")


def check_file(path: Path, definition: Definition, catalogs: Catalogs, *, sheet: str | None = None) -> list[ImportRow]:
    """Every row parsed and matched, or ImportFailed listing every bad cell.

    `path` is a CSV file or an .xlsx workbook (its first sheet, or `sheet`); see `import_files`."""
    header, rows = read_table(Path(path), sheet)
    errors = _check_header(header, header.line)
    if errors:
        raise ImportFailed(errors)
    states = _ClosingStates(definition)
    parsed: list[ImportRow] = []
    for line, cells in rows:
        if len(cells) != len(header):
            errors.append(ImportLineError(line, "", f"has {len(cells)} cells but the header has {len(header)}; "
                                                    "check for a missing or extra separator"))
            continue
        row = _LineCheck(line, dict(zip(header, cells)), catalogs, states)
        parsed_row = row.check()
        errors.extend(row.errors)
        if parsed_row is not None:
            parsed.append(parsed_row)
    if errors:
        raise ImportFailed(errors)
    return parsed


def _check_header(header: list[str], line: int = 1) -> list[ImportLineError]:
    """Unknown columns (with the closest known name) and missing required ones, on the header's line."""
    errors = []
    known = set(REQUIRED) | set(OPTIONAL)
    for name in header:
        if name not in known:
            hint = did_you_mean(name, known) or "columns: " + ", ".join(REQUIRED + OPTIONAL)
            errors.append(ImportLineError(line, name, f"unknown column; {hint}"))
    for name in REQUIRED:
        if name not in header:
            errors.append(ImportLineError(line, name, "required column is missing"))
    return errors


class _ClosingStates:
    """The definition's closing states, by key or by label (``dijawab`` and ``selesai`` mean ``selesai``)."""

    def __init__(self, definition: Definition):
        self.terminal = {s.key: s for s in definition.states.values() if s.terminal}
        self.by_label = {normalise(s.label): s.key for s in self.terminal.values()}
        if "selesai" in self.terminal:
            self.by_label.update({"dijawab": "selesai", "selesai": "selesai"})

    def find(self, text: str) -> str | None:
        key = text.strip()
        return key if key in self.terminal else self.by_label.get(normalise(text))


class _LineCheck:
    """One data line checked cell by cell; every problem goes to ``errors`` (all are reported at once)."""

    def __init__(self, line: int, cells: dict[str, str], catalogs: Catalogs, states: _ClosingStates):
        self.line, self.catalogs, self.states = line, catalogs, states
        self.cell = {name: value.strip() for name, value in cells.items()}
        self.errors: list[ImportLineError] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(ImportLineError(self.line, column, message))

    def need(self, name: str) -> str:
        if not self.cell.get(name):
            self.error(name, "is empty")
        return self.cell.get(name, "")

    def match(self, name: str, catalog_key: str, parent: str | None = None) -> str | None:
        """The catalog code the cell names (tolerating case, spacing, punctuation), or None and an error."""
        text = self.cell.get(name, "")
        if not text:
            return None
        catalog = self.catalogs[catalog_key]
        codes = catalog.match(text, parent=parent)
        if len(codes) == 1:
            return codes[0]
        if len(codes) > 1:
            self.error(name, f"'{text}' matches several entries ({', '.join(codes)})")
            return None
        close = catalog.suggest(text)
        self.error(name, f"'{text}' is not in the {catalog_key} catalog" + (f"; closest: {', '.join(close)}" if close
                                                                             else ""))
        return None

    def check(self) -> ImportRow | None:
        """The parsed row, or None when any cell is bad."""
        received, closed = self.dates()
        pemohon = self.need("pemohon")
        for name in ("perihal", "analisa", "tindak_lanjut", "sektor", "jenis_izin", "kategori"):
            self.need(name)
        codes = self.catalog_codes()
        state = self.state()
        if self.errors or received is None:
            return None
        cell = self.cell
        values = {name: codes[name] for name in ("sektor", "jenis_izin", "kategori")}
        values.update({"perihal": cell["perihal"][:300], "uraian": cell["perihal"], "analisa": cell["analisa"],
                       "tindak_lanjut": cell["tindak_lanjut"], "kerahasiaan": "biasa"})
        values.update({name: codes[name] for name in ("kanal", "tingkat") if codes[name]})
        return ImportRow(line=self.line, received=received, closed=closed or received, values=values,
                         pemohon=pemohon, state=state)

    def dates(self) -> tuple[date | None, date | None]:
        received = closed = None
        try:
            received = parse_date(self.need("tanggal")) if self.cell.get("tanggal") else None
        except ValueError as exc:
            self.error("tanggal", str(exc))
        if self.cell.get("tanggal_selesai"):
            try:
                closed = parse_date(self.cell["tanggal_selesai"])
                if received and closed < received:
                    self.error("tanggal_selesai", "is before tanggal")
            except ValueError as exc:
                self.error("tanggal_selesai", str(exc))
        return received, closed

    def catalog_codes(self) -> dict[str, str | None]:
        """Sector, permit type, category, channel and level as catalog codes (None where absent or bad)."""
        sektor = self.match("sektor", "sektor")
        jenis = self.match("jenis_izin", "jenis_izin", parent=sektor)
        if sektor and jenis and self.catalogs["jenis_izin"].get(jenis).parent != sektor:
            self.error("jenis_izin", f"'{self.cell['jenis_izin']}' belongs to another sector")
        values = {"sektor": sektor, "jenis_izin": jenis, "kategori": self.match("kategori", "kategori")}
        values["kanal"] = self.match("kanal", "kanal") if self.cell.get("kanal") else None
        values["tingkat"] = self.match("tingkat", "tingkat") if self.cell.get("tingkat") else None
        return values

    def state(self) -> str:
        if not self.cell.get("status"):
            return "selesai"
        found = self.states.find(self.cell["status"])
        if not found:
            self.error("status", f"'{self.cell['status']}' is not a closing state; use one of "
                                 f"{', '.join(sorted(self.states.terminal))}")
        return found or ""


def import_complaints(runtime, path: str | Path, actor_id: str = "import", *, definition_key: str = "pengaduan-ptsp",
                      progress: Callable[[int], None] | None = None, now: datetime | None = None,
                      skip_lines: Collection[int] = (), sheet: str | None = None,
                      checked: list[ImportRow] | None = None) -> ImportResult:
    """Check the whole file, then write it in batches of `BATCH` rows, or fewer when writing them takes longer
    than `BATCH_SECONDS`, one short transaction each.

    Why batches: every audit row is appended under the audit head's lock, held until its transaction
    commits. Fifty thousand rows in one transaction held it for minutes, and every fire, filing and
    sign-in audit of the office queued behind it (throughput fell from 67 to 5 requests a second, and
    clients timed out). A batch holds it for a fraction of a second, so other requests interleave.

    All or nothing still holds for what can be wrong with the file: every line is checked before the
    first is written, and a bad line imports nothing. What a batch cannot foresee is the database going
    away half-way; then the batches before it stay (the audit trail is append-only, nothing is taken
    back) and the same command run again imports the rest: each audit row names the file's sha256 and
    line, and the caller passes the lines already imported as ``skip_lines``
    (`workflow.store.queries.imports.imported_lines`). While an import runs, readers see its closed
    tickets appear batch by batch, in receipt-number order."""
    path = Path(path)
    engine = runtime.engine
    definition = engine.definition(definition_key)
    rows = checked if checked is not None else check_file(path, definition, runtime.catalogs, sheet=sheet)
    digest = file_digest(path)
    now = now or datetime.now(OFFICE_TZ)
    result = ImportResult(count=0)
    done = set(skip_lines)
    todo = [row for row in rows if row.line not in done]
    position = 0
    while position < len(todo):
        started = time_module.monotonic()
        receipts = []
        with runtime.store.unit_of_work() as uow:
            while position < len(todo) and len(receipts) < BATCH:
                receipts.append(_save_row(uow, engine, definition, todo[position], actor_id, now, path.name, digest))
                position += 1
                if time_module.monotonic() - started >= BATCH_SECONDS:
                    break  # a slow machine or a busy database: commit now, let the others through
            uow.commit()
        result.count += len(receipts)
        result.receipts.extend(receipts)
        if progress:
            progress(len(receipts))
    return result


def file_digest(path: Path) -> str:
    """The sha256 of the file's bytes: names the file in its audit rows, so a rerun can skip what is done."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _save_row(uow, engine, definition: Definition, row: ImportRow, actor_id: str, now: datetime, file: str,
              digest: str) -> str:
    """One imported, closed ticket and its audit row, in ``uow``; its receipt number."""
    received = datetime.combine(row.received, time(9, 0), OFFICE_TZ)
    closed = datetime.combine(row.closed, time(15, 0), OFFICE_TZ)
    receipt = format_receipt(row.received.year, uow.receipts.next(row.received.year))
    state = definition.states[row.state]
    ticket = Ticket(id=None, receipt_no=receipt, definition_key=definition.key,
                    definition_version=definition.version or 0, state=row.state, version=1,
                    created_at=received, updated_at=closed, fields=dict(row.values),
                    identity={"nama": row.pemohon}, entered={row.state: closed}, closed_at=closed,
                    outcome=state.outcome, imported=True, token_hash=hash_token(secrets.token_urlsafe(24)))
    inputs = dict(row.values)
    inputs["nama"] = identity_digest(row.pemohon, engine.identity_salt)
    event = AuditEvent(kind="import", at=now, actor_id=actor_id, actor_role="admin", receipt_no=receipt,
                       to_state=row.state, inputs=inputs, definition_key=definition.key,
                       definition_version=definition.version,
                       detail={"file": file, "sha256": digest, "line": row.line, "received": row.received,
                               "closed": row.closed})
    uow.tickets.save(Change(ticket=ticket, expected_version=None, audit=[event]))
    return receipt


__all__ = [
    "BATCH",
    "BATCH_SECONDS",
    "MAX_BYTES",
    "OPTIONAL",
    "REQUIRED",
    "ImportResult",
    "check_file",
    "file_digest",
    "import_complaints",
    "parse_date",
]
