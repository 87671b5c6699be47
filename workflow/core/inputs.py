"""Validate and normalise typed fields: the intake record and each transition's inputs.

One function serves the console forms, the public intake, the API and the CSV import, so a value
accepted in one place is accepted everywhere. Values come back JSON-ready (dates as ISO strings,
datetimes as UTC ISO strings, phone numbers as +62…), choices as catalog codes.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping

from workflow.core.dates import check_date_rule
from workflow.spec.catalog import Catalogs
from workflow.spec.model import Field

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
DEFAULT_MAX_TEXT = 300
DEFAULT_MAX_TEXTAREA = 10000
TRUE = {"1", "true", "ya", "yes", "on", "y"}
FALSE = {"0", "false", "tidak", "no", "off", "n", ""}
YEARS = (1900, 2100)  # a moment outside these years is a typing slip (and 0001 or 9999 overflow in WIB)
MAX_JSON_DEPTH = 32  # nesting of a JSON body: a record is 2 deep, a transition's inputs 3
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored as text (a NUL or other control character, half of a UTF-16 surrogate
    pair), or None. One check for every way in: fields, transition inputs, API bodies and parameters."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    if "\ud800" <= found.group() <= "\udfff":
        return "berisi karakter yang tidak sah (setengah pasangan surrogate UTF-16); kirim teks UTF-8 yang utuh"
    return "berisi karakter kendali yang tidak diizinkan"


def visible(text: str) -> str:
    """``text`` without the blanks and invisible format characters (zero-width spaces, BOM) at its ends: a
    required field holding only those is empty."""
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or unicodedata.category(text[start]) == "Cf"):
        start += 1
    while end > start and (text[end - 1].isspace() or unicodedata.category(text[end - 1]) == "Cf"):
        end -= 1
    return text[start:end]


def json_problems(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> dict[str, str]:
    """What in a parsed JSON document cannot be taken (path -> message): nesting deeper than ``max_depth``,
    NaN or Infinity, text `text_problem` refuses (in keys too). Walked without recursion."""
    problems: dict[str, str] = {}
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    while stack and len(problems) < 20:
        path, item, depth = stack.pop()
        where = path or "body"
        if depth > max_depth:  # named by its outermost field: the full path would be as deep as the value
            problems[path.split("[")[0].split(".")[0] or "body"] = \
                f"bersarang terlalu dalam (paling banyak {max_depth} tingkat)"
        elif isinstance(item, float) and not math.isfinite(item):
            problems[where] = "NaN dan Infinity bukan angka JSON yang sah"
        elif isinstance(item, str) and text_problem(item):
            problems[where] = text_problem(item) or ""
        elif isinstance(item, dict):
            for key, sub in item.items():
                name = f"{path}.{key}".lstrip(".")
                if text_problem(str(key)):
                    problems[where] = f"nama field {text_problem(str(key))}"
                else:
                    stack.append((name, sub, depth + 1))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", sub, depth + 1) for i, sub in enumerate(item))
    return problems


def normalise_phone(raw: str) -> str:
    """Indonesian numbers in E.164: 0812-3456-789 / 62812… / +62 812… → +62812…; landlines too (0254…)."""
    digits = re.sub(r"[\s\-().]", "", raw)
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("62"):
            raise ValueError("hanya nomor Indonesia (+62) yang diterima")
    elif digits.startswith("62"):
        pass
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    else:
        raise ValueError("nomor telepon harus diawali 0, 62 atau +62")
    if not re.fullmatch(r"[0-9]+", digits):  # not isdigit(): it takes Arabic-Indic and other digits
        raise ValueError("nomor telepon hanya boleh berisi angka")
    national = digits[2:]
    if not 8 <= len(national) <= 13 or national.startswith("0"):
        raise ValueError("panjang nomor telepon tidak wajar (8–13 digit setelah kode negara)")
    return "+" + digits


def _text(value: Any, f: Field, default_max: int) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError("harus berupa teks")
    text = visible(str(value).replace("\r\n", "\n"))
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    limit = f.max_length or default_max
    if len(text) > limit:
        raise ValueError(f"terlalu panjang ({len(text)} karakter, maksimal {limit})")
    return text


def _choice(value: Any, f: Field, catalogs: Catalogs, values: Mapping[str, Any]) -> str:
    text = str(value).strip()
    if f.options:
        folded = text.casefold()
        for option in f.options:
            if option.casefold() == folded:
                return option
        raise ValueError(f"'{text}' bukan pilihan yang sah ({', '.join(f.options)})")
    catalog_key = "opd" if f.type == "opd" and not f.catalog else f.catalog
    catalog = catalogs.get(catalog_key or "")
    if catalog is None:
        raise ValueError(f"katalog '{catalog_key}' tidak tersedia")
    parent = values.get(f.parent) if f.parent else None
    codes = [text] if text in catalog else catalog.match(text, parent=parent)
    if len(codes) == 1:
        entry = catalog.get(codes[0])
        if parent and entry is not None and entry.parent and entry.parent != parent:
            raise ValueError(f"'{entry.label}' bukan bagian dari {f.parent} '{parent}'")
        return codes[0]
    if len(codes) > 1:
        raise ValueError(f"'{text}' cocok dengan beberapa entri ({', '.join(codes)}); pilih salah satu kode")
    close = catalog.suggest(text)
    hint = f"; mungkin maksud Anda: {', '.join(close)}" if close else ""
    raise ValueError(f"'{text}' tidak ada di katalog {catalog.key}{hint}")


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError("tanggal harus berformat YYYY-MM-DD") from None


def _datetime(value: Any) -> str:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError("waktu harus berformat ISO 8601, misalnya 2026-11-30T09:00+07:00") from None
    if moment.tzinfo is None:
        raise ValueError("waktu harus menyertakan zona waktu (misalnya +07:00 untuk WIB)")
    try:
        utc = moment.astimezone(timezone.utc)
    except OverflowError:
        utc = None
    if utc is None or not YEARS[0] <= utc.year <= YEARS[1]:
        raise ValueError(f"waktu harus antara tahun {YEARS[0]} dan {YEARS[1]}")
    return utc.isoformat()


def coerce(f: Field, value: Any, catalogs: Catalogs, values: Mapping[str, Any]) -> Any:
    """One field's normalised value, or ValueError with an Indonesian message for the form."""
    kind = f.type
    if kind in ("text", "textarea"):
        return _text(value, f, DEFAULT_MAX_TEXT if kind == "text" else DEFAULT_MAX_TEXTAREA)
    if kind in ("choice", "opd"):
        return _choice(value, f, catalogs, values)
    if kind == "multichoice":
        items = value if isinstance(value, (list, tuple)) else [v for v in str(value).split(",") if v.strip()]
        return sorted({_choice(v, f, catalogs, values) for v in items})
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value)
    if kind == "number":
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError("harus berupa angka") from None
        if not math.isfinite(number):
            raise ValueError("harus berupa angka yang terhingga (bukan NaN atau Infinity)")
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ValueError("harus ya atau tidak")
    if kind == "email":
        text = _text(value, f, 254)
        if not EMAIL_RE.match(text):
            raise ValueError(f"'{text}' bukan alamat email yang sah")
        return text.lower()
    if kind == "phone":
        return normalise_phone(_text(value, f, 40))
    raise ValueError(f"tipe field '{kind}' tidak dikenal")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not visible(value)) or value == []


def validate_fields(fields: Iterable[Field], raw: Mapping[str, Any], catalogs: Catalogs,
                    *, allow_unknown: bool = False, today: date | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalised values and per-field errors. Unknown keys are errors unless ``allow_unknown``; ``today``
    (the office's date) lets a date rule refuse a day still to come (`workflow.core.dates`)."""
    fields = list(fields)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    known = {f.name for f in fields}
    # parents first, so a child choice (jenis_izin) can be checked against its parent (sektor); most input lists
    # name no parent and keep their order
    ordered = sorted(fields, key=lambda f: f.parent is not None) \
        if any(f.parent is not None for f in fields) else fields
    for f in ordered:
        value = raw.get(f.name)
        if _blank(value):
            if f.default is not None:
                values[f.name] = f.default
            elif f.required:
                errors[f.name] = "wajib diisi"
            continue
        try:
            if isinstance(value, str) and text_problem(value):  # whatever the type: a choice, a date ...
                raise ValueError(text_problem(value))
            values[f.name] = coerce(f, value, catalogs, values)
            check_date_rule(f, values[f.name], today)
        except ValueError as exc:
            errors[f.name] = str(exc)
    if not allow_unknown:
        for name in raw:
            if name not in known:
                errors[name] = "field ini tidak dikenal oleh definisi"
    return values, errors


__all__ = ["validate_fields", "coerce", "normalise_phone", "text_problem", "visible", "json_problems", "EMAIL_RE"]
