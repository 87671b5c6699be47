"""Read one value of a definition in the shape the format expects, reporting instead of stopping.

Each reader takes what the YAML held and its path, records a located problem when the shape is wrong
(D101 type, D102 missing key, D103 unknown key, D104 identifier, D105 value, D106 deadline unit), and
returns something usable anyway, so stage 1 goes on and reports every problem of the file at once.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from workflow.spec.located import Located, did_you_mean, join_path
from workflow.spec.model import UNITS, Span

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
DEF_KEY_RE = re.compile(r"^[a-z][a-z0-9-]*$")


def describe_value(value: Any) -> str:
    """What a user wrote, in words ('a list', 'nothing'), for 'expected X, found Y' messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    return {dict: "a mapping", list: "a list", str: f"'{value}'", int: f"the number {value}",
            float: f"the number {value}"}.get(type(value), type(value).__name__)


def keys_of(value: Any) -> set[str]:
    """The keys of a user-named mapping (roles, states, clocks); none when it is not a mapping."""
    return set(value) if isinstance(value, dict) else set()


class Shapes:
    """The readers of single values; `workflow.spec.structure` builds the definition with them."""

    def __init__(self, loc: Located):
        self.loc = loc

    def mapping(self, value: Any, path: str, allowed: set[str], required: Iterable[str] = ()) -> dict:
        if not self.expect(value, path, isinstance(value, dict), "a mapping",
                           "write it as 'key: value' lines indented under this one"):
            return {}
        for key in value:
            if key not in allowed:
                self.loc.problem("D103", join_path(path, key), f"unknown key '{key}'",
                                 did_you_mean(key, allowed) or f"allowed keys: {', '.join(sorted(allowed))}")
        for key in required:
            if key not in value:
                self.loc.problem("D102", path, f"missing required key '{key}'",
                                 f"add '{key}:' here")
        return value

    def seq(self, value: Any, path: str) -> list:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not self.expect(value, path, isinstance(value, list), "a list",
                           "write it as [a, b] or one '- item' per line"):
            return []
        return value

    def expect(self, value: Any, path: str, fits: bool, expected: str, hint: str) -> bool:
        """Whether a value that was given `fits`; if not, D101 saying what was expected and what was found."""
        if not fits:
            self.loc.problem("D101", path, f"expected {expected}, found {describe_value(value)}", hint)
        return fits

    def text(self, value: Any, path: str, default: str = "") -> str:
        if value is None or not self.expect(
                value, path, isinstance(value, (str, int, float)) and not isinstance(value, bool), "text",
                "write the text on one line, quoted if it contains ': ' or starts with [ or {"):
            return default
        return str(value)

    def name(self, value: Any, path: str) -> str | None:
        """A reference to something declared elsewhere (a role, a catalog): one plain word, or None."""
        if value is None or not self.expect(value, path, isinstance(value, str), "one name",
                                            "write a single name, not a list or a mapping"):
            return None
        return value

    def ident(self, value: Any, path: str, pattern: re.Pattern = KEY_RE) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            self.loc.problem("D104", path, f"'{value}' is not a valid identifier",
                             "use lower-case letters, digits and underscores, starting with a letter")
        return str(value)

    def boolean(self, value: Any, path: str) -> bool:
        if value is None or not self.expect(value, path, isinstance(value, bool), "true or false",
                                            "write true or false (YAML reads 'ya' or 'tidak' as text)"):
            return False
        return value

    def span(self, value: Any, path: str) -> Span | None:
        if not isinstance(value, dict) or "unit" not in value:
            # say what was written as it was written: a mapping without its unit, or a bare number or text
            written = (value.get("amount", "") if isinstance(value, dict) else value)
            amount = written if isinstance(written, (int, float)) and not isinstance(written, bool) else 7
            self.loc.problem("D106", path, f"deadline '{describe_deadline(value)}' has no explicit unit",
                             f"write {{amount: {amount}, unit: calendar_days}}; units: " + ", ".join(UNITS))
            return None
        self.mapping(value, path, {"amount", "unit"}, ("amount",))
        unit, amount = value.get("unit"), value.get("amount")
        if unit not in UNITS:
            self.loc.problem("D106", join_path(path, "unit"), f"unknown deadline unit '{unit}'",
                             did_you_mean(unit, UNITS) or "units: " + ", ".join(UNITS))
            return None
        if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount <= 0:
            self.loc.problem("D105", join_path(path, "amount"),
                             f"deadline amount must be a positive number, not '{amount}'",
                             "write e.g. {amount: 7, unit: calendar_days}")
            return None
        return Span(float(amount), unit)


def describe_deadline(value: Any) -> str:
    """A deadline as it was written, in YAML's words ("amount: 7", "7 days"), never a Python repr."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "{}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


__all__ = ["describe_deadline", "Shapes", "KEY_RE", "DEF_KEY_RE", "describe_value", "keys_of"]
