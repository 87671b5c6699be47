"""Refusals said as a person would say them, in Indonesian and English, from the guard and its parameters.

A guard's check (`workflow.core.guards.CHECKS`) decides; this module words the refusal for the people who
read it on the console, the API and the CLI, using the definition's own labels: the transition's label,
the field's label and the labels of its values (from the catalogs, or the field's options), the state's
and the role's labels. ``field_in(tingkat, [ringan])`` on *Jawab langsung* becomes "«Jawab langsung» hanya
untuk pengaduan dengan tingkat pengaduan Ringan; pengaduan ini Sedang." rather than "tingkat = sedang,
harus salah satu dari ringan". Pure.
"""
from __future__ import annotations

from typing import Any

from workflow.spec.model import Definition, Field, GuardRef, Transition

UNIT_WORDS = {"calendar_days": ("hari kalender", "calendar days"), "working_days": ("hari kerja", "working days"),
              "working_hours": ("jam kerja", "working hours")}
EMPTY = ("belum diisi", "not filled in yet")


def _lower_first(text: str) -> str:
    """'Tingkat pengaduan' -> 'tingkat pengaduan', but 'OPD terkait' stays (an acronym keeps its case)."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _join(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


class Wording:
    """The definition's words for one transition's refusals (``catalogs``: `workflow.spec.catalog.Catalogs`)."""

    def __init__(self, definition: Definition, catalogs: Any = None, transition: Transition | None = None):
        self.d, self.catalogs, self.t = definition, catalogs, transition

    # -- words ------------------------------------------------------------------------------------
    def action(self, en: bool) -> str:
        if self.t is None:
            return "Aksi ini" if not en else "This action"
        label = (self.t.label_en or self.t.label or self.t.trigger) if en else (self.t.label or self.t.trigger)
        return f"“{label}”" if en else f"«{label}»"

    def field(self, name: str) -> Field | None:
        found = self.d.record_field(name)
        if found is None and self.t is not None:
            found = next((f for f in self.t.inputs if f.name == name), None)
        return found or next((f for t in self.d.transitions for f in t.inputs if f.name == name), None)

    def field_label(self, name: str, en: bool) -> str:
        if name == "opd":
            return "agency" if en else "OPD"
        f = self.field(name)
        label = ((f.label_en or f.label) if en else f.label) if f is not None else ""
        return _lower_first(label or name.replace("_", " "))

    def value(self, name: str, value: Any, en: bool) -> str:
        if value in (None, "", [], ()):
            return EMPTY[en]
        f = self.field(name)
        catalog = "opd" if name == "opd" or (f is not None and f.type == "opd") else (f.catalog if f else None)
        if catalog and self.catalogs is not None and catalog in self.catalogs:
            return self.catalogs.get(catalog).label_of(str(value), "en" if en else "id")
        said = getattr(f, "option_label", None)  # a field's own options may carry labels (option_labels)
        # mid-sentence, an option's label reads in lower case ("di luar kewenangan DPMPTSP"); catalog labels
        # above are names (agencies, sectors) and keep theirs
        return _lower_first(said(value, "en" if en else "id")) if callable(said) else str(value)

    def values(self, name: str, values: Any, en: bool) -> str:
        return _join([self.value(name, v, en) for v in (values or [])] or ["-"], "or" if en else "atau")

    def state(self, key: str, en: bool) -> str:
        s = self.d.states.get(key)
        label = ((s.label_en or s.label) if en else s.label) if s is not None else key
        return f"“{label}”" if en else f"«{label}»"

    def roles(self, keys, en: bool) -> str:
        labels = [((r.label_en or r.label) if en else r.label) if (r := self.d.roles.get(k)) else k for k in keys]
        return _join(labels or ["-"], "or" if en else "atau")

    # -- sentences ---------------------------------------------------------------------------------
    def role_refusal(self, roles) -> tuple[str, str]:
        return (f"Hanya {self.roles(roles, False)} yang dapat melakukan {self.action(False)}.",
                f"Only the {self.roles(roles, True)} can do {self.action(True)}.")

    def say(self, ref: GuardRef, ctx: Any, fallback: str) -> tuple[str, str]:
        """(Indonesian, English) for a guard that did not pass; ``fallback`` for a guard this module has no
        sentence for (a negated field guard)."""
        p = ref.params
        out = None
        if ref.negate:
            out = self._negated(ref, ctx)
        else:
            out = getattr(self, "_" + ref.name, lambda p, ctx: None)(p, ctx)
        return out or (fallback, fallback)

    def _both(self, make) -> tuple[str, str]:
        return make(False), make(True)

    def _field_in(self, p, ctx) -> tuple[str, str]:
        name = p["field"]
        now = ctx.value(name)

        def make(en: bool) -> str:
            field, wanted, current = self.field_label(name, en), self.values(name, p["values"], en), \
                self.value(name, now, en)
            if en:
                return f"{self.action(en)} is only for complaints whose {field} is {wanted}; this one's is {current}."
            return f"{self.action(en)} hanya untuk pengaduan dengan {field} {wanted}; pengaduan ini {current}."
        return self._both(make)

    def _field_not_in(self, p, ctx) -> tuple[str, str]:
        name = p["field"]
        return (f"{self.action(False)} tidak untuk pengaduan dengan {self.field_label(name, False)} "
                f"{self.values(name, p['values'], False)}.",
                f"{self.action(True)} is not for complaints whose {self.field_label(name, True)} is "
                f"{self.values(name, p['values'], True)}.")

    def _field_present(self, p, ctx) -> tuple[str, str]:
        name = p["field"]
        return (f"{self.action(False)} baru dapat dilakukan setelah {self.field_label(name, False)} diisi.",
                f"{self.action(True)} needs the {self.field_label(name, True)} filled in first.")

    def _field_absent(self, p, ctx) -> tuple[str, str]:
        name = p["field"]
        now = ctx.value(name)
        return (f"{self.action(False)} tidak dapat dilakukan karena {self.field_label(name, False)} sudah diisi "
                f"({self.value(name, now, False)}).",
                f"{self.action(True)} cannot be done: the {self.field_label(name, True)} is already filled in "
                f"({self.value(name, now, True)}).")

    def _opd_assigned(self, p, ctx) -> tuple[str, str]:
        return (f"{self.action(False)} hanya untuk pengaduan yang sedang diserahkan ke OPD.",
                f"{self.action(True)} is only for complaints handed to an agency.")

    def _no_opd_assigned(self, p, ctx) -> tuple[str, str]:
        return (f"{self.action(False)} belum dapat dilakukan selama pengaduan masih di "
                f"{self.value('opd', ctx.opd, False)}; tunggu jawabannya atau tarik kembali.",
                f"{self.action(True)} cannot be done while the complaint is with {self.value('opd', ctx.opd, True)}; "
                "wait for its answer or take it back.")

    def _actor_is_assignee(self, p, ctx) -> tuple[str, str]:
        return (f"Pengaduan ini dipegang {ctx.assignee}; hanya dia yang dapat melakukan {self.action(False)}.",
                f"This complaint is held by {ctx.assignee}; only they can do {self.action(True)}.")

    def _actor_in_ticket_opd(self, p, ctx) -> tuple[str, str]:
        theirs, mine = ctx.opd, ctx.actor.opd
        return (f"Pengaduan ini diserahkan ke {self.value('opd', theirs, False)}, bukan ke instansi Anda "
                f"({self.value('opd', mine, False)}).",
                f"This complaint was handed to {self.value('opd', theirs, True)}, not to your agency "
                f"({self.value('opd', mine, True)}).")

    def _span(self, p, en: bool) -> str:
        amount = p["amount"]
        amount = int(amount) if float(amount).is_integer() else amount
        return f"{amount} {UNIT_WORDS.get(p['unit'], (p['unit'], p['unit']))[en]}"

    def _within(self, p, ctx) -> tuple[str, str]:
        if ctx.entered.get(p["since"]) is None:
            return (f"{self.action(False)} hanya dapat dilakukan setelah pengaduan berada pada tahap "
                    f"{self.state(p['since'], False)}.",
                    f"{self.action(True)} is only possible once the complaint has reached "
                    f"{self.state(p['since'], True)}.")
        return (f"{self.action(False)} hanya dapat dilakukan dalam {self._span(p, False)} sejak tahap "
                f"{self.state(p['since'], False)}; batas itu sudah lewat.",
                f"{self.action(True)} is only possible within {self._span(p, True)} of "
                f"{self.state(p['since'], True)}; that time has passed.")

    def _negated(self, ref: GuardRef, ctx) -> tuple[str, str] | None:
        p = ref.params
        if ref.name == "within":
            return (f"{self.action(False)} baru dapat dilakukan setelah {self._span(p, False)} sejak tahap "
                    f"{self.state(p['since'], False)}.",
                    f"{self.action(True)} is only possible once {self._span(p, True)} have passed since "
                    f"{self.state(p['since'], True)}.")
        if ref.name == "field_in":
            return self._field_not_in(p, ctx)
        if ref.name == "field_not_in":
            return self._field_in(p, ctx)
        if ref.name == "field_present":
            return self._field_absent(p, ctx)
        if ref.name == "field_absent":
            return self._field_present(p, ctx)
        if ref.name == "opd_assigned":
            return self._no_opd_assigned(p, ctx)
        if ref.name == "no_opd_assigned":
            return self._opd_assigned(p, ctx)
        return None


__all__ = ["Wording", "UNIT_WORDS"]
