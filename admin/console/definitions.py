"""The supervisors' definitions pages: published versions, their differences, the SOP diagram, and the
YAML editor (Periksa / Terbitkan).

Definitions are published only through `workflow.services.publish.publish` (validated, a new immutable
version, audited); the editor form carries the version it was based on, so a supervisor who publishes
after someone else did is told so and keeps the text they typed. Versions are read through
`workflow.store.queries.definitions`; the open tickets a draft would affect through
`workflow.store.queries.dashboard.open_counts_by_state`.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, abort, flash, redirect, request, url_for
from flask_admin import expose

from workflow.errors import ConcurrentUpdate, DefinitionError, DefinitionProblem, MigrationError, UnknownDefinition
from workflow.services import migrate
from workflow.services.publish import publish
from workflow.services.staffing import staffing_warnings
from workflow.spec.diagram import render_mermaid, render_svg
from workflow.spec.diff import impact, semantic_diff, text_diff
from workflow.spec.loader import check_definition
from workflow.spec.messages import translate
from workflow.store.queries import definitions as stored
from workflow.store.queries.dashboard import open_counts_by_state

from ..auth import SecureBaseView, current_actor
from . import common
from .common import tr

logger = logging.getLogger(__name__)


def _templates() -> set[str] | None:
    try:
        from notifications.templates import available_templates
    except ImportError:
        return None
    return set(available_templates())


def list_definitions(store) -> list[dict]:
    """Each definition key with its latest version and every version, newest first."""
    out: dict[str, dict] = {}
    for r in stored.versions(store):
        entry = out.setdefault(r["key"], {"key": r["key"], "title": r["title"], "latest": r["version"],
                                          "versions": []})
        entry["versions"].append({k: r[k] for k in ("version", "title", "published_at", "published_by", "note")})
    return list(out.values())


def _line_of_key(text: str) -> int | None:
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(r"^key\s*:", line):
            return i
    return None


@dataclass
class Review:
    """What Periksa found for one edited text: problems, or the diff and impact of publishing it."""

    problems: list[DefinitionProblem]
    definition: Any = None
    semantic: Any = None
    unified: str = ""
    impact: Any = None
    preview: str = ""  # the draft's swimlane diagram (SVG)


def review(text: str, key: str, base_source: str | None, base_version: int | None) -> Review:
    rt = common.runtime()
    definition, problems = check_definition(text, f"{key}.yaml", rt.catalogs, _templates())
    problems = list(problems)
    if definition is not None and definition.key != key:
        problems.append(DefinitionProblem(
            "D900", tr(f"kunci harus tetap '{key}' (tertulis '{definition.key}'); kunci baru berarti definisi baru",
                       f"the key must stay '{key}' (found '{definition.key}'); a new key is a new definition"),
            "key", f"{key}.yaml", _line_of_key(text), 1, tr(f"tulis 'key: {key}'", f"write 'key: {key}'")))
    if problems or definition is None:
        return Review(problems=problems)
    out = Review(problems=[], definition=definition)
    if base_source is not None:
        base_def, _ = check_definition(base_source, f"{key}@v{base_version}", rt.catalogs, _templates())
        if base_def is not None:
            out.semantic = semantic_diff(base_def, definition)
        out.unified = text_diff(base_source, text, f"{key} v{base_version}", f"{key} ({tr('draf', 'draft')})")
    out.impact = impact(definition, open_counts_by_state(rt.store, key))
    out.preview = render_svg(definition, locale=common.lang(), id_prefix="draft",
                             title=tr("Pratinjau draf", "Draft preview"))
    return out


def _problem_lines(problems: list[DefinitionProblem]) -> list[int]:
    return sorted({p.line for p in problems if p.line})


def _normalise(text: str) -> str:
    """Browsers post textareas with CRLF; definitions are stored with LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _stale_message(latest: dict, base_version: int) -> str:
    """Someone published while this supervisor edited ``base_version``."""
    by, at, v = latest["published_by"], common.wib(latest["published_at"]), latest["version"]
    return tr(
        f"Versi {v} diterbitkan oleh {by} pada {at} saat Anda menyunting versi {base_version}. Tidak ada yang "
        f"diterbitkan. Teks Anda tetap di bawah; tinjau perbedaannya terhadap versi {v}, lalu terbitkan lagi "
        "bila tetap sesuai.",
        f"Version {v} was published by {by} at {at} while you were editing version {base_version}. Nothing was "
        f"published. Your text is kept below; review its difference against version {v}, then publish again "
        "if it still holds.")


class DefinitionsView(SecureBaseView):
    """Published definitions and versions, the YAML editor (Periksa / Terbitkan) and the SOP diagram."""

    roles = frozenset({"supervisor"})

    @expose("/")
    def index(self):
        rt = common.runtime()
        definitions = list_definitions(rt.store)
        for d in definitions:  # roles and agencies of the latest version nobody can act for (not errors)
            try:
                d["warnings"] = staffing_warnings(rt.store, rt.engine.definition(d["key"], d["latest"]), rt.catalogs)
            except (UnknownDefinition, DefinitionError):
                d["warnings"] = []
        return self.render("supervisor/definitions.html", definitions=definitions, common=common)

    @expose("/<key>/v<int:version>")
    def version(self, key: str, version: int):
        rt = common.runtime()
        row = stored.version(rt.store, key, version)
        if row is None:
            abort(404)
        previous = stored.version(rt.store, key, version - 1) if version > 1 else None
        semantic = unified = None
        try:
            definition = rt.engine.definition(key, version)
        except (UnknownDefinition, DefinitionError):
            abort(404)
        if previous is not None:
            semantic = semantic_diff(rt.engine.definition(key, version - 1), definition)
            unified = text_diff(previous["source"], row["source"], f"{key} v{version - 1}", f"{key} v{version}")
        svg = render_svg(definition, locale=common.lang(), id_prefix=f"sop-{version}")
        return self.render("supervisor/version.html", row=row, definition=definition, semantic=semantic,
                           unified=unified, svg=svg, previous=previous, common=common,
                           latest=stored.version(rt.store, key)["version"], published_at=row["published_at"])

    @expose("/<key>/v<int:version>/migrasi", methods=("GET", "POST"))
    def migration(self, key: str, version: int):
        """Moving open tickets to this version: per ticket and clock the old and new budget and due time, the
        tickets that would become late (as ``alur tickets migrate`` shows), and applying it."""
        rt = common.runtime()
        if stored.version(rt.store, key, version) is None:
            abort(404)
        typed = (request.form.get("map") if request.method == "POST" else request.args.get("map")) or ""
        skip = bool(request.form.get("skip_blocked"))
        the_plan, problem = None, None
        try:
            the_plan = migrate.plan(rt, key, version, migrate.parse_mapping(
                [line for line in typed.replace(",", "\n").splitlines() if line.strip()]))
            if request.method == "POST" and request.form.get("action") == "apply":
                moved = migrate.apply(rt, the_plan, current_actor().id, common.utcnow(), skip_blocked=skip)
                flash(tr(f"{moved} pengaduan dipindahkan ke v{version}; tenggatnya kini mengikuti versi ini.",
                         f"{moved} complaint(s) moved to v{version}; their deadlines now follow this version."),
                      "success")
                return redirect(url_for(".migration", key=key, version=version))
        except (MigrationError, ConcurrentUpdate) as exc:
            problem = str(exc)
        page = self.render("supervisor/migrate.html", key=key, version=version, plan=the_plan, problem=problem,
                           typed=typed, skip=skip, common=common, definition=rt.engine.definition(key, version))
        return page, 422 if problem else 200

    @expose("/<key>/dampak", methods=("POST",))
    def whatif(self, key: str):
        """Dampak pada riwayat: the period's complaints replayed against the posted draft and today's version
        (`admin.console.whatif`); nothing is published or written."""
        from . import whatif

        if stored.version(common.runtime().store, key) is None:
            abort(404)
        values = whatif.form_values()
        report, problems, message = whatif.compute(key, values)
        page = self.render("supervisor/whatif.html", key=key, values=values, report=report, problems=problems,
                           message=message, common=common, whatif=whatif)
        return page, 422 if message else 200

    @expose("/<key>/v<int:version>/diagram")
    def diagram(self, key: str, version: int):
        try:
            definition = common.runtime().engine.definition(key, version)
        except UnknownDefinition:
            abort(404)
        highlight = request.args.get("highlight") or None
        svg = render_svg(definition, highlight=highlight, locale=common.lang(), id_prefix="sop")
        return self.render("supervisor/diagram.html", definition=definition, svg=svg, highlight=highlight,
                           mermaid=render_mermaid(definition, highlight=highlight, locale=common.lang()))

    @expose("/<key>/edit", methods=("GET", "POST"))
    def edit(self, key: str):
        store = common.runtime().store
        latest = stored.version(store, key)
        if latest is None:
            abort(404)
        if request.method == "GET":
            return self._editor(key, latest, latest["source"], latest["version"])
        text = _normalise(request.form.get("source", ""))
        try:
            base_version = int(request.form.get("base_version") or 0)
        except ValueError:
            base_version = 0
        note = (request.form.get("note") or "").strip()[:500]
        if request.form.get("action", "check") != "publish":
            base = stored.version(store, key, base_version) if base_version else None
            result = review(text, key, base["source"] if base else None, base_version or None)
            return self._editor(key, latest, text, base_version, result=result, note=note, checked=True)
        if latest["version"] != base_version:
            # Someone published while this supervisor was editing: refuse, keep the text, and show the
            # difference against what is now published; the next Terbitkan publishes over it knowingly.
            return self._editor(key, latest, text, latest["version"], result=review(text, key, latest["source"],
                                latest["version"]), note=note, stale=_stale_message(latest, base_version),
                                checked=True, status=409)
        return self._publish(key, latest, text, note)

    def _publish(self, key: str, latest: dict, text: str, note: str):
        """Publish ``text`` as the next version of ``key`` if it reviews clean (``latest`` is its base)."""
        rt = common.runtime()
        base_version = latest["version"]
        result = review(text, key, latest["source"], base_version)
        if result.problems:
            return self._editor(key, latest, text, base_version, result=result, note=note, checked=True, status=422)
        actor = current_actor()
        try:
            published = publish(rt.store, text, file=f"{key}.yaml", actor_id=actor.id, now=common.utcnow(),
                                catalogs=rt.catalogs, note=note, templates=_templates())
        except DefinitionError as exc:  # validation is repeated inside publish; keep both in step
            return self._editor(key, latest, text, base_version, result=Review(problems=exc.problems), note=note,
                                checked=True, status=422)
        except ConcurrentUpdate:
            fresh = stored.version(rt.store, key)
            return self._editor(key, fresh, text, fresh["version"], note=note, checked=True, status=409,
                                result=review(text, key, fresh["source"], fresh["version"]),
                                stale=tr("Definisi baru saja diterbitkan orang lain. Tidak ada yang diterbitkan; "
                                         "teks Anda tetap di bawah.",
                                         "Someone else published just now. Nothing was published; your text is "
                                         "kept below."))
        if not published.created:
            flash(tr("Tidak ada perubahan: teks sama dengan versi terbit terakhir.",
                     "No change: the text equals the latest published version."), "info")
            return redirect(url_for(".version", key=key, version=published.version))
        logger.info("definition %s v%s published by %s", key, published.version, actor.id)
        flash(tr(f"Versi {published.version} diterbitkan. Pengaduan baru memakai versi ini; pengaduan yang "
                 "sedang berjalan tetap pada versinya.",
                 f"Version {published.version} published. New complaints use it; running ones stay on their "
                 "version."), "success")
        return redirect(url_for(".version", key=key, version=published.version))

    def _editor(self, key, latest, text, base_version, *, result: Review | None = None, note: str = "",
                stale: str | None = None, checked: bool = False, status: int = 200):
        lines = text.splitlines()
        snippets = {}
        if result is not None and result.problems:  # said in the supervisor's language (workflow.spec.messages)
            result.problems = [translate(p, common.lang()) for p in result.problems]
        if result is not None:
            for p in result.problems:
                if p.line and 0 < p.line <= len(lines):
                    snippets[p.line] = lines[p.line - 1]
        page = self.render("supervisor/editor.html", key=key, latest=latest, text=text, base_version=base_version,
                           result=result, note=note, stale=stale, checked=checked, snippets=snippets,
                           error_lines=_problem_lines(result.problems) if result else [], common=common)
        return page, status


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(DefinitionsView(name=Text("Definisi SOP", "SOP definitions"), endpoint="definitions",
                                   url="/admin/definisi"))


__all__ = ["register", "DefinitionsView", "review", "Review", "list_definitions"]
