"""The exceptions alur raises on purpose, under one root so callers can catch them together.

    AlurError
    ├── DefinitionError          a definition (YAML) is malformed or means something impossible;
    │                            carries every DefinitionProblem found, each with file:line:column
    ├── UnknownDefinition        no published definition with that key / version
    ├── TicketNotFound           no ticket with that id / receipt number
    ├── RootCauseNotFound        no root cause or action plan with that id or code
    ├── TransitionRejected       the move is not allowed now; carries the reasons (role, guards, inputs)
    ├── InvalidInput             a field of a record or a transition's inputs is missing or malformed
    ├── ConcurrentUpdate         someone else changed the ticket first; reload and try again
    │   └── ReportEditConflict   someone saved the report draft first; carries the current document
    ├── ReportDocumentRefused    a report draft step is not allowed now (says why, id and en)
    ├── AssignmentRefused        a take, assign, release or internal note is not allowed (says why, id and en)
    ├── AuthError (ValueError)   a user account or API key cannot be made or changed as asked
    ├── CalendarEditError (ValueError)
    │                            a calendar edit cannot be made (nothing to reopen, no name given ...)
    ├── PeriodError (ValueError) a report period alur does not understand; lists the accepted spellings
    ├── OfficeError (ValueError) the office profile or an agency cannot be set as asked (says what to fix)
    ├── AttachmentRejected       an upload is refused (type, size, count); ``reason`` names the rule
    ├── AttachmentUnreadable     a stored evidence file is gone or no longer matches its hash
    ├── AuditChainBroken         the audit trail does not verify (tampering or corruption)
    ├── AuditKeyError            an audit signing key or checkpoint cannot be read or used
    ├── MachineError             a definition and its state machine disagree (a bug, never the user's)
    ├── MigrationError           a ticket migration plan cannot be applied
    ├── ImportFailed             a CSV import was refused; carries every bad line
    ├── StoreUnavailable         the database cannot answer now (restarting, unreachable, locked); retry soon
    ├── BoxSessionRefused (ValueError) a complaint box session cannot be opened or closed (says why)
    ├── DispositionRefused (ValueError) a referral's status update cannot be recorded (says why)
    ├── InboundError (ValueError) a mailbox or gateway setting is missing or malformed (says what to set)
    └── NotificationError        (notifications/errors.py: the notifications part's own branch)
        ├── ConfigurationError (ValueError)   a channel setting is missing or malformed
        ├── DeliveryError                     a send failed; ``retryable`` says whether to try again
        ├── DeliveryNotFound (LookupError)    no delivery with that id
        ├── SignatureError                    a webhook request failed verification
        └── TemplateError                     a template could not be rendered
            └── TemplateMissing               no template exists for the key

Entry points map each class to one answer: the web layer to an HTTP status (the API's problem+json,
`admin.api.errors`), the CLI to exit code 1 and the message. Errors that are not listed here are bugs
or the libraries' own (a database gone away), and are logged with their stack.
"""
from __future__ import annotations

from dataclasses import dataclass


class AlurError(Exception):
    """Root of every error alur raises on purpose."""


@dataclass(frozen=True)
class DefinitionProblem:
    """One thing wrong with a definition, located so an editor can jump to it."""

    code: str  # stable, e.g. "D201"; one invalid fixture per code lives in tests/fixtures/invalid/
    message: str
    path: str = ""  # YAML path, e.g. "transitions[3].to"
    file: str = "<definition>"
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    hint: str = ""

    def location(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        text = f"{self.location()}: {self.code} {self.message}"
        if self.path:
            text += f" (at {self.path})"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict:
        return {
            "code": self.code, "message": self.message, "path": self.path, "file": self.file,
            "line": self.line, "column": self.column, "hint": self.hint,
        }


class DefinitionError(AlurError):
    """A definition failed validation; ``problems`` lists every problem, not just the first."""

    def __init__(self, problems: list[DefinitionProblem]):
        self.problems = list(problems)
        first = self.problems[0] if self.problems else None
        summary = f"{len(self.problems)} problem(s) in the definition"
        if first is not None:
            summary += f"; first: {first}"
        super().__init__(summary)


class UnknownDefinition(AlurError):
    """No published definition matches; publish it first with `alur definitions publish`."""


class TicketNotFound(AlurError):
    """The ticket does not exist (or the tracking token does not match)."""


@dataclass(frozen=True)
class Refusal:
    """Why one transition cannot be fired: a role, guard or input that said no."""

    kind: str  # "role" | "guard" | "state" | "input" | "unknown_trigger"
    reason: str
    guard: str | None = None
    reason_en: str = ""  # the same in English, where the engine words it (workflow.core.reasons)


class TransitionRejected(AlurError):
    """The engine refused a move; ``reasons`` says why, one entry per failed check."""

    def __init__(self, trigger: str, reasons: list[Refusal]):
        self.trigger = trigger
        self.reasons = list(reasons)
        text = "; ".join(r.reason for r in self.reasons) or "not allowed"
        super().__init__(f"'{trigger}' refused: {text}")


class InvalidInput(AlurError):
    """Some fields are missing or malformed; ``errors`` maps field name to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        text = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        super().__init__(f"invalid input: {text}")


class ConcurrentUpdate(AlurError):
    """The ticket changed since it was read. Nothing was saved: reload the ticket and try again."""


class AssignmentRefused(AlurError):
    """A ticket cannot be taken, assigned, released or noted as asked; ``reason`` (Indonesian) and
    ``reason_en`` say why and what to do."""

    def __init__(self, reason: str, reason_en: str = ""):
        self.reason, self.reason_en = reason, reason_en or reason
        super().__init__(reason)


class ReportEditConflict(ConcurrentUpdate):
    """The report document moved on since it was read; nothing was saved. ``current`` is the document now."""

    def __init__(self, current):
        self.current = current
        super().__init__("laporan ini baru saja diubah orang lain; teks Anda tidak disimpan, bandingkan lalu simpan "
                         "lagi")


class ReportDocumentRefused(AlurError):
    """A step of a report document (save, approve, publish, reopen) is not allowed; ``reason`` (Indonesian) and
    ``reason_en`` say why and what to do."""

    def __init__(self, reason: str, reason_en: str = ""):
        self.reason, self.reason_en = reason, reason_en or reason
        super().__init__(reason)


class AuthError(AlurError, ValueError):
    """A user account or API key cannot be created or changed as asked; the message says what to fix.

    Also a ValueError, as it was before the tree had it, for callers that validate input generically."""


class RootCauseNotFound(AlurError):
    """No root cause / action plan with that id or code."""


class CalendarEditError(AlurError, ValueError):
    """A calendar edit cannot be made as asked; the message says why and what to do instead."""


class OfficeError(AlurError, ValueError):
    """The office profile, its logo or an agency of the office's catalog cannot be set as asked."""


class PeriodError(AlurError, ValueError):
    """A period the reports do not understand; the message lists the accepted spellings."""


class AuditChainBroken(AlurError):
    """The audit trail does not verify; ``seq`` names the first bad row."""

    def __init__(self, seq: int, reason: str):
        self.seq = seq
        self.reason = reason
        super().__init__(f"audit row {seq}: {reason}")


class AuditKeyError(AlurError):
    """An audit signing key or checkpoint cannot be read or used; the message says which file and what to do."""


class BoxSessionRefused(AlurError, ValueError):
    """A complaint box session cannot be opened or closed as asked; the message (Indonesian) says why."""


class DispositionRefused(AlurError, ValueError):
    """A referring body's status update cannot be recorded as asked; the message (Indonesian) says why."""


class StoreUnavailable(AlurError):
    """The database cannot answer now (a PostgreSQL restart, a dropped connection, SQLite's lock timeout).
    Nothing was written; the entry points answer 503 with Retry-After so clients and people try again."""

    retry_after = 5


class MachineError(AlurError):
    """A definition and its state machine disagree about a move: a bug in alur, never the user's doing."""


class MigrationError(AlurError):
    """A migration plan between definition versions cannot be applied as asked."""


@dataclass
class AttachmentRejected(AlurError):
    """An upload is not an allowed type, too large or empty; the message says which and what to do.

    ``reason`` names the rule: ``empty``, ``too_large``, ``type`` (not an accepted kind of file),
    ``extension`` (an accepted kind under the wrong extension) or ``too_many`` (the ticket's limit).
    """

    def __init__(self, message: str, reason: str = "type"):
        super().__init__(message)
        self.reason = reason


class InboundError(AlurError, ValueError):
    """Mail or WhatsApp intake cannot run as configured (a missing or malformed ``ALUR_IMAP_*`` or gateway
    setting, a mailbox the server refuses); the message says what to set."""


class AttachmentUnreadable(AlurError):
    """A stored file is missing or its bytes no longer match the sha256 recorded (and audited) for it."""


@dataclass
class ImportLineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column '{self.column}': {self.message}"


class ImportFailed(AlurError):
    """A CSV import found bad lines; nothing was imported."""

    def __init__(self, errors: list[ImportLineError]):
        self.errors = list(errors)
        lines = "\n".join(f"  {e}" for e in self.errors[:200])
        more = f"\n  … and {len(self.errors) - 200} more" if len(self.errors) > 200 else ""
        super().__init__(f"{len(self.errors)} bad line(s); nothing was imported:\n{lines}{more}")


__all__ = [
    "ReportEditConflict", "ReportDocumentRefused",
    "AlurError", "DefinitionProblem", "DefinitionError", "UnknownDefinition", "TicketNotFound", "RootCauseNotFound",
    "Refusal", "TransitionRejected", "InvalidInput", "ConcurrentUpdate", "AuthError", "CalendarEditError",
    "PeriodError", "OfficeError", "AttachmentRejected", "AttachmentUnreadable", "AuditChainBroken", "AuditKeyError",
    "MachineError", "MigrationError", "StoreUnavailable", "BoxSessionRefused", "DispositionRefused",
    "ImportLineError", "ImportFailed", "InboundError",
]
