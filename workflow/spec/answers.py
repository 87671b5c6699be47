"""Canned answers (*jawaban baku*): the ``answers:`` section, read (stage 1) and checked (stage 2).

An office answers the same questions again and again (a SIPEKA password reset, a missing requirement,
a permit that is outside its authority). A definition may declare those texts once; on the console an
officer inserts one into an answer field of a transition's form and edits it before sending. Each
answer names the textarea inputs it may fill (``fields``) and, optionally, the transitions it is for
(``triggers``, default: every transition with such an input)::

    answers:
      reset_sipeka:
        label: Reset akun SIPEKA
        label_en: SIPEKA account reset
        fields: [jawaban]
        text: |
          Akun SIPEKA Bapak/Ibu telah kami atur ulang ...

Stage 2 (code D247) refuses a field no transition asks for as a ``textarea``, an unknown trigger, a
trigger that does not ask for any of the fields, and an empty or over-long text.
"""
from __future__ import annotations

from typing import Any

from workflow.spec.located import did_you_mean, join_path
from workflow.spec.model import CannedAnswer

ANSWER_KEYS = {"label", "label_en", "fields", "triggers", "text"}
REQUIRED = ("label", "fields", "text")
MAX_TEXT = 5000  # characters of one canned answer
MAX_ANSWERS = 200


def build_answers(b: Any, value: Any) -> tuple[CannedAnswer, ...]:
    """The ``answers:`` mapping built with stage 1's readers (`workflow.spec.structure._Builder` ``b``)."""
    declared = b.mapping(value or {}, "answers", set(value) if isinstance(value, dict) else set())
    out = []
    for key, raw in list(declared.items())[:MAX_ANSWERS]:
        path = join_path("answers", key)
        raw = b.mapping(raw, path, ANSWER_KEYS, REQUIRED)
        if not raw:
            continue
        out.append(CannedAnswer(
            key=b.ident(key, path), label=b.text(raw.get("label"), join_path(path, "label"), key),
            label_en=b.text(raw.get("label_en"), join_path(path, "label_en")),
            fields=tuple(str(f) for f in b.seq(raw.get("fields"), join_path(path, "fields"))),
            triggers=tuple(str(t) for t in b.seq(raw.get("triggers"), join_path(path, "triggers"))),
            text=b.text(raw.get("text"), join_path(path, "text"))))
    return tuple(out)


def check_answers(m: Any) -> None:
    """Stage 2 (`workflow.spec.validation._Meaning` ``m``): each answer fills textareas its transitions ask for."""
    textareas = {f.name for t in m.d.transitions for f in t.inputs if f.type == "textarea"}
    triggers = {t.trigger for t in m.d.transitions}
    for a in m.d.answers:
        base = join_path("answers", a.key)
        for i, name in enumerate(a.fields):
            if name not in textareas:
                m.problem("D247", f"{base}.fields[{i}]", f"no transition asks for a textarea '{name}'",
                          did_you_mean(name, textareas) or "name a textarea input of a transition, e.g. jawaban")
        for i, trigger in enumerate(a.triggers):
            if trigger not in triggers:
                m.problem("D247", f"{base}.triggers[{i}]", f"unknown trigger '{trigger}'",
                          did_you_mean(trigger, triggers) or "name a transition's trigger")
            elif not any(f.name in a.fields for t in m.d.transitions_named(trigger) for f in t.inputs):
                m.problem("D247", f"{base}.triggers[{i}]", f"transition '{trigger}' asks for none of "
                          f"{', '.join(a.fields)}", "add the field to its inputs, or leave the trigger out")
        if (not a.text.strip() and not m.reported("D102", base, "text")) or len(a.text) > MAX_TEXT:
            m.problem("D247", f"{base}.text", "the text is empty" if not a.text.strip()
                      else f"the text has {len(a.text)} characters, more than {MAX_TEXT}",
                      "write the answer an officer starts from (they edit it before sending)")


def answers_for(definition: Any, trigger: str, field: str) -> list[CannedAnswer]:
    """The canned answers that may fill ``field`` of transition ``trigger``."""
    return [a for a in definition.answers if field in a.fields and (not a.triggers or trigger in a.triggers)]


__all__ = ["build_answers", "check_answers", "answers_for", "ANSWER_KEYS", "MAX_TEXT"]
