"""The quarterly report as a document the office finishes: its narrative sections, its steps, and diffs.

A report document is one per period and scope (every definition of the office, or one definition key).
Its figures, tables and charts are never stored in the draft: they always come from the data. What the
office writes are the four narrative sections (`SECTIONS`), which start as the generated text and are
edited in the console. The document moves

    draft --approve--> approved --publish--> published --reopen(reason)--> draft ...

Any saved edit takes an approved document back to draft (the head of office approved *that* text). A
published document cannot be edited; reopening it (a reissue) needs a reason, which the next
publication carries. Who may approve and publish is the top supervisor level the published
definitions declare (`may_approve`), never a role name.

Narrative text is plain text: paragraphs separated by a blank line, and lines starting with ``- `` as a
bulleted list (`blocks`). Renderers lay the blocks out with escaping writers; nothing here is markup.

Pure: standard library only.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Mapping

#: The narrative sections, in report order: key, Indonesian title, English title.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("pendahuluan", "Pendahuluan", "Introduction"),
    ("analisa", "Analisa Pengaduan", "Analysis"),
    ("kesimpulan", "Kesimpulan", "Conclusions"),
    ("rekomendasi", "Rekomendasi", "Recommendations"),
)
SECTION_KEYS = tuple(key for key, _, _ in SECTIONS)
MAX_SECTION_CHARS = 20_000  # a section is a few pages at most; a parser with limits
MAX_REASON_CHARS = 1_000
ALL_DEFINITIONS = ""  # the scope key of a report over every definition of the office
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Status(str, Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


STATUS_LABELS = {Status.DRAFT: ("Draf", "Draft"), Status.APPROVED: ("Disetujui", "Approved"),
                 Status.PUBLISHED: ("Terbit", "Published")}


def section_title(key: str, locale: str = "id") -> str:
    for k, title_id, title_en in SECTIONS:
        if k == key:
            return title_en if locale == "en" else title_id
    return key


def clean_text(text: str) -> str:
    """Newlines made ``\\n``, trailing spaces and surrounding blank lines dropped (what is stored)."""
    lines = str(text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def check_sections(given: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(cleaned sections, problems by section key). Every section must be present; each within
    `MAX_SECTION_CHARS` and free of control characters. Problems say what to do."""
    cleaned: dict[str, str] = {}
    problems: dict[str, str] = {}
    unknown = sorted(set(given) - set(SECTION_KEYS))
    for key in unknown:
        problems[key] = f"bagian tidak dikenal; bagian laporan: {', '.join(SECTION_KEYS)}"
    for key in SECTION_KEYS:
        text = clean_text(given.get(key, ""))
        if not text.strip():
            problems[key] = "wajib diisi; tulis paling tidak satu paragraf (teks awal dapat dipulihkan)"
        elif len(text) > MAX_SECTION_CHARS:
            problems[key] = f"terlalu panjang ({len(text)} karakter); paling banyak {MAX_SECTION_CHARS}"
        elif _CONTROL.search(text):
            problems[key] = "hapus karakter kendali (tidak terlihat) dari teks"
        cleaned[key] = text
    return cleaned, problems


def check_reason(reason: str) -> str | None:
    """The problem with a reissue reason, or None when it will do."""
    text = " ".join(str(reason or "").split())
    if len(text) < 5:
        return "tulis alasan penerbitan ulang (paling sedikit 5 karakter), mis. 'koreksi angka OPD'"
    if len(text) > MAX_REASON_CHARS:
        return f"alasan terlalu panjang; paling banyak {MAX_REASON_CHARS} karakter"
    if _CONTROL.search(text):
        return "hapus karakter kendali dari alasan"
    return None


def changed_sections(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[str, ...]:
    """The section keys whose text differs, in report order."""
    return tuple(key for key in SECTION_KEYS if (before.get(key) or "") != (after.get(key) or ""))


@dataclass(frozen=True)
class Block:
    """A piece of narrative: a paragraph (one text) or a bulleted list (one text per item)."""

    kind: str  # "p" | "ul"
    lines: tuple[str, ...]


def blocks(text: str) -> tuple[Block, ...]:
    """Plain text -> paragraphs and bulleted lists. Lines of a paragraph are joined with a space; a line
    starting with ``- `` or ``* `` is a list item; a blank line ends a paragraph or a list."""
    out: list[Block] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            out.append(Block("p", (" ".join(para),)))
            para.clear()
        if items:
            out.append(Block("ul", tuple(items)))
            items.clear()

    for raw in clean_text(text).split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif line[:2] in ("- ", "* "):
            if para:
                flush()
            items.append(line[2:].strip())
        elif items and raw[:1].isspace():  # an indented line continues the list item above
            items[-1] = f"{items[-1]} {line}"
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return tuple(out)


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same" | "added" | "removed"
    text: str


@dataclass(frozen=True)
class SectionDiff:
    key: str
    changed: bool
    lines: tuple[DiffLine, ...]


def diff(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[SectionDiff, ...]:
    """Line by line, per section, what changed from ``before`` to ``after`` (difflib)."""
    out = []
    for key in SECTION_KEYS:
        old = clean_text(before.get(key, "")).split("\n")
        new = clean_text(after.get(key, "")).split("\n")
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
            if tag == "equal":
                lines += [DiffLine("same", t) for t in old[i1:i2]]
                continue
            lines += [DiffLine("removed", t) for t in old[i1:i2]]
            lines += [DiffLine("added", t) for t in new[j1:j2]]
        out.append(SectionDiff(key, old != new, tuple(lines)))
    return tuple(out)


def may_approve(level: int | None, levels: Iterable[int]) -> bool:
    """Whether a supervisor of ``level`` is the head of office: the highest level the definitions declare."""
    levels = tuple(levels)
    return level is not None and bool(levels) and level >= max(levels)


def refusal(status: str, step: str, *, version: int = 0, approved_version: int | None = None) -> str | None:
    """Why ``step`` (save, approve, publish, reopen) cannot be taken on a document in ``status``; None if it can."""
    if step == "save" and status == Status.PUBLISHED:
        return "laporan sudah terbit dan tidak dapat diubah; terbitkan ulang (dengan alasan) untuk mengubahnya"
    if step == "approve" and status != Status.DRAFT:
        return ("laporan sudah disetujui" if status == Status.APPROVED
                else "laporan sudah terbit; terbitkan ulang (dengan alasan) untuk mengubahnya")
    if step == "publish":
        if status == Status.PUBLISHED:
            return "laporan ini sudah terbit"
        if status != Status.APPROVED or approved_version != version:
            return "laporan harus disetujui kepala dinas sebelum diterbitkan"
    if step == "reopen" and status != Status.PUBLISHED:
        return "hanya laporan yang sudah terbit yang dapat diterbitkan ulang"
    return None


def scope_key(definition_key: str | None) -> str:
    return (definition_key or "").strip() or ALL_DEFINITIONS


__all__ = ["SECTIONS", "SECTION_KEYS", "MAX_SECTION_CHARS", "ALL_DEFINITIONS", "Status", "STATUS_LABELS",
           "section_title", "clean_text", "check_sections", "check_reason", "changed_sections", "Block", "blocks",
           "DiffLine", "SectionDiff", "diff", "may_approve", "refusal", "scope_key"]
