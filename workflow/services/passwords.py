"""Which passwords an account may not have: short ones, common ones, and ones made of the username.

At least `MIN_LENGTH` (12) characters, because length is what makes a guessed password expensive; and
not one people choose first (``common_passwords.txt``, shipped with alur: whole passwords, and base
words that stay refused with digits or symbols around them, ``Bismillah2024!``), nor a run of one
keyboard row or counting (``123456789012``), nor fewer than 4 different characters, nor a password
that holds the username. No composition rules (a digit, a capital): they make passwords harder to
remember, not to guess. `problem` says what is wrong in Indonesian and English; `workflow.services.users`
refuses such a password wherever it is set (console, ``alur users``, the demo).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
MIN_DISTINCT = 4
RUNS = ("0123456789" * 3, "9876543210" * 3, "abcdefghijklmnopqrstuvwxyz" * 2, "qwertyuiopasdfghjklzxcvbnm" * 2)
LIST = Path(__file__).with_name("common_passwords.txt")


@dataclass(frozen=True)
class PasswordProblem:
    """Why a password is refused, said in Indonesian (``id``) and English (``en``)."""

    id: str
    en: str


@lru_cache(maxsize=1)
def common() -> tuple[frozenset[str], frozenset[str]]:
    """(whole passwords, base words) of the shipped list, read once."""
    whole, bases = set(), set()
    for line in LIST.read_text(encoding="utf-8").splitlines():
        line = line.strip().lower()
        if not line or line.startswith("#"):
            continue
        if line.startswith("base "):
            bases.add(line[5:].strip())
        else:
            whole.add(line)
    return frozenset(whole), frozenset(bases)


def _is_common(lowered: str) -> bool:
    whole, bases = common()
    if lowered in whole or lowered.replace(" ", "") in whole:
        return True
    letters = re.sub(r"[^a-z]", "", lowered)
    return any(letters and len(letters) % len(b) == 0 and letters == b * (len(letters) // len(b)) for b in bases)


def problem(password: str, username: str | None = None) -> PasswordProblem | None:
    """What is wrong with ``password`` for the account ``username``, or None if it may be used."""
    password = password or ""
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        return PasswordProblem(f"Kata sandi minimal {MIN_LENGTH} karakter (sekarang {len(password)}).",
                               f"password must have at least {MIN_LENGTH} characters (it has {len(password)})")
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in lowered:
        return PasswordProblem("Kata sandi tidak boleh memuat nama pengguna.",
                               "password must not contain the username")
    if _is_common(lowered) or len(set(lowered)) < MIN_DISTINCT or any(lowered in run for run in RUNS):
        return PasswordProblem("Kata sandi ini terlalu umum atau mudah ditebak; pakai beberapa kata yang hanya "
                               "Anda ingat, mis. 'kopi-pagi-di-teras-rumah'.",
                               "password is too common or easy to guess; use a few words only you would "
                               "put together, e.g. 'morning-coffee-on-the-porch'")
    return None


RULE = (f"Minimal {MIN_LENGTH} karakter, bukan kata sandi umum, tidak memuat nama pengguna.",
        f"At least {MIN_LENGTH} characters, not a common password, not containing the username.")

__all__ = ["MIN_LENGTH", "PasswordProblem", "problem", "common", "RULE"]
