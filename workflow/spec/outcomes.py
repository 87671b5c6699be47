"""How complaints end: the standard outcome categories, and the outcomes each definition declares.

Reports compare offices and SOPs by category, so every way a complaint can end maps to exactly one of
`OUTCOME_CATEGORIES` (``answered`` … ``closed_unconfirmed``). A definition names its own outcomes under
``outcomes:`` (``tidak_terbukti: {label: Tidak ditemukan pelanggaran, category: no_violation}``) and a
terminal state's ``outcome`` names one of them, or a category directly (the shipped SOP does: its states
end in ``answered``, ``transferred`` …). Reports count both: the definition's outcome and its category.

This module reads the ``outcomes:`` section for stage 1 (`workflow.spec.structure`) and holds the
labels of the categories; it imports only the model.
"""
from __future__ import annotations

from typing import Any

from workflow.spec.located import did_you_mean, join_path
from workflow.spec.model import OUTCOME_CATEGORIES, Definition, Outcome

OUTCOME_KEYS = {"label", "label_en", "category", "description"}

#: Indonesian and English labels of each category (reports, console, public tracking page).
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "answered": ("Selesai (dijawab)", "Answered / resolved"),
    "resolved_by_explanation": ("Selesai dengan penjelasan", "Resolved by explanation"),
    "transferred": ("Dialihkan ke instansi berwenang", "Transferred (not our authority)"),
    "no_violation": ("Tidak ditemukan pelanggaran", "No violation found"),
    "referred": ("Dirujuk (Ombudsman, kepolisian, jalur hukum)", "Referred (Ombudsman, police, legal route)"),
    "rejected": ("Tidak dapat diproses", "Rejected"),
    "withdrawn": ("Dicabut pemohon", "Withdrawn"),
    "merged": ("Digabung dengan pengaduan lain", "Merged into another complaint"),
    "closed_unconfirmed": ("Selesai tanpa konfirmasi", "Closed without confirmation"),
    "imported": ("Selesai (data impor)", "Closed (imported data)"),
}
OPEN_LABEL = ("Dalam proses", "In progress")


def category_label(category: str | None, locale: str = "id") -> str:
    """The label of a category (None: still open); an unknown code is shown as it is."""
    labels = CATEGORY_LABELS.get(category or "", OPEN_LABEL if category is None else (category, category))
    return labels[1] if locale == "en" else labels[0]


def outcome_label(definition: Definition | None, code: str | None, locale: str = "id") -> str:
    """The label of a ticket's outcome in its definition: the declared outcome's, else the category's."""
    declared = definition.outcomes.get(code or "") if definition is not None else None
    if declared is not None:
        return (declared.label_en or declared.label) if locale == "en" else (declared.label or declared.key)
    return category_label(code, locale)


def build_outcomes(shapes: Any, value: Any) -> dict[str, Outcome]:
    """The ``outcomes:`` mapping read with stage 1's readers (`workflow.spec.shapes.Shapes`): each key an
    identifier, each category one of `OUTCOME_CATEGORIES` (D105 with a suggestion otherwise). A key that
    is itself a category must map to that category, or reports would count one name two ways."""
    loc = shapes.loc
    declared = shapes.mapping(value or {}, "outcomes", set(value) if isinstance(value, dict) else set())
    out: dict[str, Outcome] = {}
    for key, raw in declared.items():
        path = join_path("outcomes", key)
        raw = shapes.mapping(raw, path, OUTCOME_KEYS, ("label", "category"))
        category = raw.get("category")
        if "category" in raw and category not in OUTCOME_CATEGORIES:
            loc.problem("D105", join_path(path, "category"), f"unknown outcome category '{category}'",
                        did_you_mean(str(category), OUTCOME_CATEGORIES)
                        or "categories: " + ", ".join(OUTCOME_CATEGORIES))
        elif key in OUTCOME_CATEGORIES and category != key:
            loc.problem("D105", join_path(path, "category"),
                        f"outcome '{key}' is a standard category and must map to itself, not '{category}'",
                        f"rename the outcome (e.g. '{key}_lokal') or write 'category: {key}'")
        out[str(key)] = Outcome(key=shapes.ident(key, path), category=str(category or ""),
                                label=shapes.text(raw.get("label"), join_path(path, "label"), str(key)),
                                label_en=shapes.text(raw.get("label_en"), join_path(path, "label_en")),
                                description=shapes.text(raw.get("description"), join_path(path, "description")))
    return out


def check_state_outcome(loc: Any, path: str, outcome: Any, declared: dict[str, Outcome]) -> None:
    """D105 when a state's ``outcome`` is neither a declared outcome nor a standard category."""
    if outcome is None or outcome in declared or outcome in OUTCOME_CATEGORIES:
        return
    choices = list(declared) + list(OUTCOME_CATEGORIES)
    loc.problem("D105", path, f"unknown outcome '{outcome}'",
                did_you_mean(str(outcome), choices) or "declare it under 'outcomes:' or use a category: "
                + ", ".join(OUTCOME_CATEGORIES))


__all__ = ["CATEGORY_LABELS", "OPEN_LABEL", "OUTCOME_KEYS", "category_label", "outcome_label", "build_outcomes",
           "check_state_outcome"]
