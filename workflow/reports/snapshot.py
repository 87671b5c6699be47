"""A published report as stored content, and back: the figures, tables and narrative frozen at publication.

`content_of` writes a `Report` (narrative included) as canonical JSON text; `report_from_content` reads it
back into the same dataclasses, so every renderer draws a published report from what was stored and never
from today's data. Reading is driven by the dataclasses' own type hints, so a field added to the report
later is read back too; a field an older publication lacks takes its default.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import json
import types
import typing
from functools import lru_cache
from typing import Any

from workflow.reports.model import PublicationStamp, Report

FORMAT = "alur.report.published"
FORMAT_VERSION = 1


def content_of(report: Report) -> str:
    """The report as stored at publication (sorted keys, so the same report gives the same text)."""
    data = dataclasses.asdict(dataclasses.replace(report, publication=None))
    return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "report": data}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _read(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return _read(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        args = typing.get_args(kind)
        inner = args[0] if args else Any
        if len(args) == 2 and args[1] is Ellipsis or len(args) == 1:
            return tuple(_read(inner, item) for item in value)
        return tuple(_read(k, item) for k, item in zip(args, value))
    if origin in (dict, collections.abc.Mapping) or kind is dict:
        return dict(value)
    if dataclasses.is_dataclass(kind) and isinstance(value, dict):
        return _build(kind, value)
    return value


def _build(cls: type, data: dict) -> Any:
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    return cls(**{name: _read(hints.get(name, Any), value) for name, value in data.items() if name in known})


def report_from_content(content: str, stamp: PublicationStamp | None = None) -> Report:
    """The report stored by `content_of`, carrying ``stamp`` (its number, edition and audit head)."""
    data = json.loads(content)
    if data.get("format") != FORMAT:
        raise ValueError("not a published report's content")
    report = _build(Report, data["report"])
    return dataclasses.replace(report, publication=stamp)


__all__ = ["content_of", "report_from_content", "FORMAT", "FORMAT_VERSION"]
