"""Catalogs: the closed lists a definition's choice fields draw from (sectors, categories, OPDs...).

Catalogs live in ``definitions/catalog/<key>.yaml``. The permit types are nested in the sector
catalog (``items``) and exposed as a derived catalog ``jenis_izin`` whose entries carry their
sector as ``parent``. Matching is tolerant of case, spacing and punctuation because catalogs are
matched against what people typed into spreadsheets; an unknown value gets the closest entries as
suggestions.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "definitions" / "catalog"


def normalise(text: str) -> str:
    """Fold case, punctuation and spacing: ' Izin  Pemanfaatan Bagian-bagian Jalan ' matches."""
    text = str(text).casefold()
    text = re.sub(r"[\s\-_./,;:()]+", " ", text)
    return text.strip()


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    label_en: str = ""
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def names(self) -> Iterable[str]:
        yield self.code
        yield self.label
        if self.label_en:
            yield self.label_en
        yield from self.aliases


@dataclass
class Catalog:
    key: str
    label: str
    entries: dict[str, Entry]
    label_en: str = ""
    _index: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries.values():
            for name in entry.names():
                codes = self._index.setdefault(normalise(name), [])
                if entry.code not in codes:
                    codes.append(entry.code)

    def __contains__(self, code: str) -> bool:
        return code in self.entries

    def get(self, code: str) -> Entry | None:
        return self.entries.get(code)

    def label_of(self, code: str | None, locale: str = "id") -> str:
        entry = self.entries.get(code or "")
        if entry is None:
            return code or ""
        return (entry.label_en or entry.label) if locale == "en" else entry.label

    def match(self, text: str, parent: str | None = None) -> list[str]:
        """Codes whose code, label or alias equals ``text`` after normalising (several if ambiguous).

        With ``parent``, entries of that parent win (a permit name shared by two sectors)."""
        codes = self._index.get(normalise(text), [])
        if parent is not None:
            preferred = [c for c in codes if self.entries[c].parent == parent]
            if preferred:
                return preferred
        return list(codes)

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """The labels closest to ``text``, for "did you mean" messages."""
        names = {normalise(e.label): e.label for e in self.entries.values()}
        for e in self.entries.values():
            for alias in e.aliases:
                names.setdefault(normalise(alias), e.label)
        close = difflib.get_close_matches(normalise(text), list(names), n=n * 2, cutoff=0.4)
        out: list[str] = []
        for key in close:
            if names[key] not in out:
                out.append(names[key])
        return out[:n]


def _entry(raw: Mapping[str, Any], parent: str | None = None) -> Entry:
    known = {"code", "label", "label_en", "aliases", "items"}
    return Entry(
        code=str(raw["code"]), label=str(raw.get("label", raw["code"])),
        label_en=str(raw.get("label_en", "") or ""), aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        parent=parent, extra={k: v for k, v in raw.items() if k not in known},
    )


def load_catalog_file(path: Path) -> list[Catalog]:
    """One catalog file; the sector file also yields the derived ``jenis_izin`` catalog."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    key = str(raw.get("key") or path.stem)
    entries = {}
    items: dict[str, Entry] = {}
    for item in raw.get("entries") or []:
        entry = _entry(item)
        entries[entry.code] = entry
        for sub in item.get("items") or []:
            child = _entry(sub, parent=entry.code)
            items[child.code] = child
    out = [Catalog(key=key, label=str(raw.get("label", key)), label_en=str(raw.get("label_en", "")), entries=entries)]
    if items:
        out.append(Catalog(key="jenis_izin", label="Jenis perizinan / non perizinan",
                           label_en="Permit type", entries=items))
    return out


class Catalogs(dict):
    """All catalogs by key."""

    @classmethod
    def load(cls, directory: Path | str = DEFAULT_DIR) -> "Catalogs":
        found = cls()
        directory = Path(directory)
        if directory.is_dir():
            for path in sorted(directory.glob("*.yaml")):
                for catalog in load_catalog_file(path):
                    found[catalog.key] = catalog
        return found


@lru_cache(maxsize=4)
def default_catalogs(directory: str = str(DEFAULT_DIR)) -> Catalogs:
    """The shipped catalogs, read once per process."""
    return Catalogs.load(directory)


__all__ = ["Catalog", "Catalogs", "Entry", "default_catalogs", "normalise", "DEFAULT_DIR"]
