"""Validate and normalise typed fields: the intake record and each transition's inputs.

One function serves the console forms, the public intake, the API and the CSV import, so a value
accepted in one place is accepted everywhere. Values come back JSON-ready (dates as ISO strings,
datetimes as UTC ISO strings, phone numbers as +62…), choices as catalog codes.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping

from workflow.spec.catalog import Catalogs
from workflow.spec.model import Field

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
DEFAULT_MAX_TEXT = 300
DEFAULT_MAX_TEXTAREA = 10000
TRUE = {"1", "true", "ya", "yes", "on", "y"}
FALSE = {"0", "false", "tidak", "no", "off", "n", ""}


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
    if not digits.isdigit():
        raise ValueError("nomor telepon hanya boleh berisi angka")
    national = digits[2:]
    if not 8 <= len(national) <= 13 or national.startswith("0"):
        raise ValueError("panjang nomor telepon tidak wajar (8–13 digit setelah kode negara)")
    return "+" + digits


def _text(value: Any, f: Field, default_max: int) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError("harus berupa teks")
    text = str(value).replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise ValueError("berisi karakter yang tidak diizinkan")
    limit = f.max_length or default_max
    if len(text) > limit:
        raise ValueError(f"terlalu panjang ({len(text)} karakter, maksimal {limit})")
    return text


def _choice(value: Any, f: Field, catalogs: Catalogs, values: Mapping[str, Any]) -> str:
    text = str(value).strip()
    if f.options:
        for option in f.options:
            if option.casefold() == text.casefold():
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
    return moment.astimezone(timezone.utc).isoformat()


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
        except (TypeError, ValueError):
            raise ValueError("harus berupa angka") from None
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
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def validate_fields(fields: Iterable[Field], raw: Mapping[str, Any], catalogs: Catalogs,
                    *, allow_unknown: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalised values and per-field errors. Unknown keys are errors unless ``allow_unknown``."""
    fields = list(fields)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    known = {f.name for f in fields}
    # parents first, so a child choice (jenis_izin) can be checked against its parent (sektor)
    ordered = sorted(fields, key=lambda f: f.parent is not None)
    for f in ordered:
        value = raw.get(f.name)
        if _blank(value):
            if f.default is not None:
                values[f.name] = f.default
            elif f.required:
                errors[f.name] = "wajib diisi"
            continue
        try:
            values[f.name] = coerce(f, value, catalogs, values)
        except ValueError as exc:
            errors[f.name] = str(exc)
    if not allow_unknown:
        for name in raw:
            if name not in known:
                errors[name] = "field ini tidak dikenal oleh definisi"
    return values, errors


__all__ = ["validate_fields", "coerce", "normalise_phone", "EMAIL_RE"]
