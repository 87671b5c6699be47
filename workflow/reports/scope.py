"""Whose report it is: the office that signs it, the catalogs its tables follow, how its complaints ended.

A report covers the office's definitions (all of them, or the one ``--definition`` names). Its title,
header and signing place come from the office profile (`workflow.core.office`), never from code. Its
sector, permit-type, category, channel and severity tables follow the catalogs those definitions' record
fields draw from (a kota SOP with its own category list is reported by that list), merged in definition
order when there are several. Outcomes are counted twice: as each definition names them, and by the
standard category each maps to (`workflow.spec.outcomes`), so offices and SOPs compare.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from workflow.core.office import OfficeProfile
from workflow.reports.model import Count
from workflow.spec.catalog import Catalog, Catalogs, Entry
from workflow.spec.model import OUTCOME_CATEGORIES, Definition
from workflow.spec.outcomes import category_label, outcome_label

#: The ticket columns a report tabulates, each drawn from the catalog of the record field of that name.
TABULATED = ("sektor", "jenis_izin", "kategori", "kanal", "tingkat")


def title(office: OfficeProfile, period_label: str) -> str:
    """"LAPORAN EVALUASI PENGADUAN PADA <SERVICE> <PERIOD>" (without a service, the office's name)."""
    service = office.service_name or office.name or (office.short_name if office.configured else "")
    return " ".join(part for part in ("LAPORAN EVALUASI PENGADUAN", f"PADA {service.upper()}" if service else "",
                                      period_label.upper()) if part)


def heading(office: OfficeProfile) -> str:
    """The office as the cover and the signature block name it, upper case."""
    return (office.name or office.display_name).upper()


def report_catalogs(definitions: Iterable[Definition], catalogs: Catalogs) -> Catalogs:
    """``catalogs`` with each tabulated name bound to what the definitions' record fields of that name use:
    their catalog, or their own options; entries of several definitions merged in order."""
    definitions = list(definitions)
    out = Catalogs(catalogs)
    for name in TABULATED:
        merged: dict[str, Entry] = {}
        found = False
        for d in definitions:
            f = d.record_field(name)
            if f is None:
                continue
            if f.options:
                found = True
                for option in f.options:
                    merged.setdefault(option, Entry(code=option, label=option))
            elif f.catalog and catalogs.get(f.catalog) is not None:
                found = True
                for code, entry in catalogs[f.catalog].entries.items():
                    merged.setdefault(code, entry)
        if found:
            base = catalogs.get(name)
            out[name] = Catalog(key=name, label=base.label if base else name, label_en=base.label_en if base else "",
                                entries=merged)
    return out


def outcome_counts(counts: Mapping[tuple[str, str | None], int],
                   definitions: Iterable[Definition]) -> tuple[list[Count], list[Count]]:
    """(by the definitions' own outcomes, by standard category), each with an "in progress" line last.

    An outcome is labelled by its definition (a declared outcome's label, else the label of the terminal
    state that ends in it); the same code in two definitions with different labels is listed once per label."""
    by_key = {d.key: d for d in definitions}
    own: dict[tuple[str | None, str], int] = {}
    categories: dict[str | None, int] = {}
    for (key, code), n in counts.items():
        definition = by_key.get(key)
        if code is None:
            categories[None] = categories.get(None, 0) + n
            continue
        label = _label(definition, code)
        own[(code, label)] = own.get((code, label), 0) + n
        category = definition.outcome_category(code) if definition else (code if code in OUTCOME_CATEGORIES
                                                                           else None)
        categories[category or code] = categories.get(category or code, 0) + n
    declared = [(code, _label(d, code)) for d in by_key.values() for code in _ends(d)]
    for pair in declared:
        own.setdefault(pair, 0)
    first = [Count(code, label, own[(code, label)]) for code, label in dict.fromkeys(declared)]
    first += [Count(code, label, n) for (code, label), n in sorted(own.items(), key=lambda x: x[0][0] or "")
              if (code, label) not in dict.fromkeys(declared)]
    first.append(Count(None, category_label(None), categories.get(None, 0)))
    second = [Count(cat, category_label(cat), categories.get(cat, 0)) for cat in OUTCOME_CATEGORIES
              if cat != "imported" or categories.get(cat)]
    second += [Count(cat, cat, n) for cat, n in categories.items() if cat is not None and cat not in OUTCOME_CATEGORIES]
    second.append(Count(None, category_label(None), categories.get(None, 0)))
    return first, second


def _ends(definition: Definition) -> list[str]:
    """The outcome codes a definition's terminal states end in, in state order."""
    return list(dict.fromkeys(s.outcome for s in definition.states.values() if s.terminal and s.outcome))


def _label(definition: Definition | None, code: str) -> str:
    if definition is not None and code not in definition.outcomes:
        state = next((s for s in definition.states.values() if s.terminal and s.outcome == code), None)
        if state is not None:
            return state.label
    return outcome_label(definition, code)


__all__ = ["TABULATED", "title", "heading", "report_catalogs", "outcome_counts"]
