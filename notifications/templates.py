"""Render notification texts from Jinja2 templates in Indonesian and English.

Templates live in ``notifications/templates/`` as ``<key>.<locale>.txt``: the
first line is ``Subject: ...``, the second is blank, the rest is the body. The
subject line is compiled on its own, so a ``{% if %}`` cannot span it and the body.
The context each key expects is listed in ``notifications/README.md``.
Files whose name starts with ``_`` are partials (shared footers) for
``{% include %}``, not keys.

The texts are plain text, so autoescaping is off: an officer's answer
containing ``<`` or ``&`` must arrive as typed. Undefined variables raise,
because a notice saying "paling lambat ." is worse than a failed render the
outbox can report. Optional variables are tested with ``is defined`` in the
templates themselves.

Filters available to templates:

- ``tanggal``: Indonesian date in the office's zone, "Senin, 30 November 2026 14.05 WIB"
  (a ``date`` gives "Senin, 30 November 2026").
- ``date_en``: English date in the office's zone, "Monday, 30 November 2026 14:05 WIB (UTC+7)".

The zone is the context's ``office_timezone`` (an IANA name: Asia/Jakarta is WIB, Asia/Makassar WITA,
Asia/Jayapura WIT), set for the one render; without it, WIB.
- ``durasi`` / ``duration_en``: a ``timedelta`` as "2 hari 3 jam" / "2 days 3 hours".

Datetimes must be timezone-aware; a naive one is refused rather than guessed,
since guessing UTC versus WIB moves a deadline by seven hours.
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import logging
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jinja2

from notifications.errors import TemplateError, TemplateMissing
from workflow.spec.notices import own_templates

__all__ = [
    "DEFAULT_LOCALE",
    "TemplateError",
    "TemplateMissing",
    "TemplateSet",
    "WIB",
    "available_templates",
    "date_en",
    "durasi",
    "duration_en",
    "render",
    "render_for",
    "tanggal",
]

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).with_name("templates")
DEFAULT_LOCALE = "id"

# Asia/Jakarta has kept UTC+7 without daylight saving since 1964, so a fixed offset
# gives the same answers as the tz database without depending on tzdata being installed.
WIB = timezone(timedelta(hours=7), "WIB")
# Indonesia's other zones, likewise fixed: the office profile names one of the three (workflow.core.office).
ZONES = {"Asia/Jakarta": WIB, "Asia/Makassar": timezone(timedelta(hours=8), "WITA"),
         "Asia/Jayapura": timezone(timedelta(hours=9), "WIT")}
_ZONE: contextvars.ContextVar[timezone] = contextvars.ContextVar("office_zone", default=WIB)

_KEY = re.compile(r"[a-z][a-z0-9_]*")
_FILE = re.compile(r"(?P<key>[a-z][a-z0-9_]*)\.(?P<locale>[a-z]{2,3})\.txt")
_SUBJECT_PREFIX = "Subject:"

_HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


# ------------------------------------------------------------------------- filters


def _to_wib(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"datetime {value.isoformat()} has no time zone; pass an aware datetime "
            "(e.g. datetime.now(timezone.utc)) so it can be shown in WIB"
        )
    return value.astimezone(_ZONE.get())


def _zone_text(local: datetime) -> str:
    """"WIB (UTC+7)": the zone's name and offset, for English readers."""
    hours = int(local.utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
    return f"{local.tzname()} (UTC+{hours})"


def tanggal(value: date | datetime) -> str:
    """Format a date or aware datetime in Indonesian, in WIB.

    >>> tanggal(datetime(2026, 11, 30, 7, 5, tzinfo=timezone.utc))
    'Senin, 30 November 2026 14.05 WIB'
    """
    if isinstance(value, datetime):
        local = _to_wib(value)
        return (f"{_HARI[local.weekday()]}, {local.day} {_BULAN[local.month - 1]} {local.year} {local:%H.%M} "
                f"{local.tzname()}")
    if isinstance(value, date):
        return f"{_HARI[value.weekday()]}, {value.day} {_BULAN[value.month - 1]} {value.year}"
    raise TypeError(f"tanggal expects a date or datetime, got {type(value).__name__} {value!r}")


def date_en(value: date | datetime) -> str:
    """Format a date or aware datetime in English, in WIB.

    >>> date_en(datetime(2026, 11, 30, 7, 5, tzinfo=timezone.utc))
    'Monday, 30 November 2026 14:05 WIB (UTC+7)'
    """
    if isinstance(value, datetime):
        local = _to_wib(value)
        return (
            f"{_DAYS[local.weekday()]}, {local.day} {_MONTHS[local.month - 1]} {local.year} "
            f"{local:%H:%M} {_zone_text(local)}"
        )
    if isinstance(value, date):
        return f"{_DAYS[value.weekday()]}, {value.day} {_MONTHS[value.month - 1]} {value.year}"
    raise TypeError(f"date_en expects a date or datetime, got {type(value).__name__} {value!r}")


def _duration_parts(value: timedelta) -> list[tuple[int, int]]:
    """Return (amount, unit index) for the largest non-zero unit and the next one down."""
    if not isinstance(value, timedelta):
        raise TypeError(f"a duration must be a timedelta, got {type(value).__name__} {value!r}")
    if value < timedelta(0):
        raise ValueError(f"duration {value} is negative; pass how long, not a signed difference")
    minutes_total = int(value.total_seconds()) // 60
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    amounts = [days, hours, minutes]
    for index, amount in enumerate(amounts):
        if amount:
            parts = [(amount, index)]
            if index + 1 < len(amounts) and amounts[index + 1]:
                parts.append((amounts[index + 1], index + 1))
            return parts
    return []


def durasi(value: timedelta) -> str:
    """Format a duration in Indonesian: "2 hari 3 jam", "45 menit"."""
    units = ("hari", "jam", "menit")
    parts = _duration_parts(value)
    if not parts:
        return "kurang dari 1 menit"
    return " ".join(f"{amount} {units[index]}" for amount, index in parts)


def duration_en(value: timedelta) -> str:
    """Format a duration in English: "2 days 3 hours", "1 minute"."""
    units = ("day", "hour", "minute")
    parts = _duration_parts(value)
    if not parts:
        return "less than a minute"
    return " ".join(f"{amount} {units[index]}{'' if amount == 1 else 's'}" for amount, index in parts)


# ----------------------------------------------------------------------- rendering


class TemplateSet:
    """The templates in one directory, with the filters above.

    The package uses one instance over ``notifications/templates/`` (see ``render``);
    tests and offices with their own wording can point one at another directory.

    The subject line and the body are compiled as two templates, so a value
    containing a line break can neither split the subject nor shift the body.
    Compiled templates are cached per instance: edit files, then restart (or
    make a new ``TemplateSet``).
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.directory, encoding="utf-8"),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.environment.filters.update(
            tanggal=_strict(tanggal),
            date_en=_strict(date_en),
            durasi=_strict(durasi),
            duration_en=_strict(duration_en),
        )
        self._compiled: dict[str, tuple[jinja2.Template, jinja2.Template]] = {}
        self._listing: list[tuple[str, str]] | None = None

    def __repr__(self) -> str:
        return f"TemplateSet({str(self.directory)!r})"

    def _files(self) -> list[tuple[str, str]]:
        # Listed once per instance, like the compiled templates: rendering should not
        # walk the directory for every message.
        if self._listing is None:
            found = []
            for name in self.environment.list_templates(extensions=["txt"]):
                match = _FILE.fullmatch(name)
                if match:
                    found.append((match["key"], match["locale"]))
            self._listing = found
        return self._listing

    def keys(self) -> set[str]:
        """Return the template keys present in at least one locale (partials excluded)."""
        return {key for key, _ in self._files()}

    def locales(self, key: str) -> set[str]:
        """Return the locales ``key`` has a template for."""
        return {locale for found, locale in self._files() if found == key}

    def render(self, key: str, locale: str, context: Mapping[str, Any]) -> tuple[str, str]:
        """Render ``key`` in ``locale`` (Indonesian if that locale has no template).

        Returns:
            (subject, body): the subject on one line with whitespace collapsed; the body
            with trailing spaces and runs of blank lines (left by optional sections)
            tidied, and no trailing newline.

        Raises:
            TemplateMissing: no template exists for ``key``.
            TemplateError: a context variable is missing, a filter got the wrong kind of
                value, or the file is malformed (no "Subject:" line and blank line, bad syntax).
        """
        name = self._select(key, locale)
        return self._fill(name, self._compile(name), context)

    def render_text(self, key: str, texts: Mapping[str, str], locale: str,
                    context: Mapping[str, Any]) -> tuple[str, str]:
        """Render a template given as text (a definition ships its own: ``texts`` = {locale: text}), in
        ``locale`` or else Indonesian, with the same filters, partials and checks as the files."""
        chosen = locale if locale in texts else DEFAULT_LOCALE
        if chosen not in texts:
            raise TemplateMissing(f"template {key!r} of the definition has no {locale!r} or "
                                  f"{DEFAULT_LOCALE!r} text", key=key)
        name = f"{key}.{chosen} (definisi)"
        cache_key = f"{name}#{hash(texts[chosen])}"
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            compiled = self._compile_source(name, texts[chosen])
            self._compiled[cache_key] = compiled
        return self._fill(name, compiled, context)

    def _fill(self, name: str, compiled: tuple[jinja2.Template, jinja2.Template],
              context: Mapping[str, Any]) -> tuple[str, str]:
        subject_template, body_template = compiled
        values = dict(context)
        zone = _ZONE.set(ZONES.get(str(values.get("office_timezone") or ""), WIB))
        try:
            subject = " ".join(subject_template.render(values).split())
            body = _tidy(body_template.render(values))
        except jinja2.UndefinedError as exc:
            raise TemplateError(
                f"template {name} needs a context variable that was not given: {exc.message}; "
                "add it to the context"
            ) from exc
        except jinja2.TemplateSyntaxError as exc:  # in an included partial
            raise TemplateError(f"template {exc.name or name}, line {exc.lineno}: {exc.message}") from exc
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"template {name} includes {exc.name!r}, which does not exist") from exc
        except (TypeError, ValueError) as exc:
            raise TemplateError(f"template {name} could not format a value: {exc}") from exc
        finally:
            _ZONE.reset(zone)
        if not subject:
            raise TemplateError(f"template {name}: the subject rendered empty")
        if not body:
            raise TemplateError(f"template {name}: the body rendered empty")
        return subject, body

    def _select(self, key: str, locale: str) -> str:
        """Return the file name to render: ``key`` in ``locale``, else in Indonesian."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise TemplateMissing(
                f"{key!r} is not a template key; keys look like 'tanda_terima' ({_known(self.keys())})",
                key=str(key),
            )
        available = self.locales(key)
        if isinstance(locale, str) and locale in available:
            return f"{key}.{locale}.txt"
        if DEFAULT_LOCALE in available:
            logger.debug("no %r template for %r; using %s", locale, key, DEFAULT_LOCALE)
            return f"{key}.{DEFAULT_LOCALE}.txt"
        if available:  # the key exists, only in other locales
            raise TemplateMissing(
                f"template {key!r} has no {locale!r} or {DEFAULT_LOCALE!r} version "
                f"(has: {', '.join(sorted(available))}); add {key}.{DEFAULT_LOCALE}.txt",
                key=key,
            )
        known = self.keys()
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise TemplateMissing(f"no template {key!r} in {self.directory}; {hint}({_known(known)})", key=key)

    def _compile(self, name: str) -> tuple[jinja2.Template, jinja2.Template]:
        cached = self._compiled.get(name)
        if cached is not None:
            return cached
        assert self.environment.loader is not None
        source, _, _ = self.environment.loader.get_source(self.environment, name)
        compiled = self._compile_source(name, source)
        self._compiled[name] = compiled
        return compiled

    def _compile_source(self, name: str, source: str) -> tuple[jinja2.Template, jinja2.Template]:
        first, _, rest = source.partition("\n")
        if not first.startswith(_SUBJECT_PREFIX):
            raise TemplateError(f"template {name}: the first line must be 'Subject: ...', got {first[:40]!r}")
        second, _, body = rest.partition("\n")
        if second.strip():
            raise TemplateError(f"template {name}: line 2 must be blank, between the subject and the body")
        try:
            subject_template = self.environment.from_string(first[len(_SUBJECT_PREFIX):])
            # Two leading newlines keep the line numbers in syntax errors true to the file.
            body_template = self.environment.from_string("\n\n" + body)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"template {name}, line {exc.lineno}: {exc.message}") from exc
        return subject_template, body_template


def _strict(function: Callable[[Any], str]) -> Callable[[Any], str]:
    """Make a filter report a missing variable as missing, not as a wrong type."""

    @functools.wraps(function)
    def wrapper(value: Any) -> str:
        if isinstance(value, jinja2.Undefined):
            str(value)  # a StrictUndefined raises UndefinedError naming the variable
        return function(value)

    return wrapper


def _known(keys: set[str]) -> str:
    return "known: " + ", ".join(sorted(keys)) if keys else "no templates found"


def _tidy(text: str) -> str:
    tidy: list[str] = []
    for line in (line.rstrip() for line in text.split("\n")):
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip("\n")


@functools.lru_cache(maxsize=1)
def default_templates() -> TemplateSet:
    """Return the package's own templates (built on first use, not at import)."""
    return TemplateSet(TEMPLATE_DIR)


def render(key: str, locale: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render the package template ``key`` in ``locale``; see ``TemplateSet.render``."""
    return default_templates().render(key, locale, context)


def available_templates() -> set[str]:
    """Return the keys of the package's templates."""
    return default_templates().keys()


def render_for(definition: Any, key: str, locale: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render ``key`` for a ticket of ``definition``: the template the definition ships itself
    (``notifications:`` with ``id``/``en`` texts, `workflow.spec.notices`) when it has one, else the
    package's file."""
    own = own_templates(definition) if definition is not None else {}
    if key in own:
        return default_templates().render_text(key, own[key], locale, context)
    return render(key, locale, context)
