"""The environment the report's HTML is written with: Jinja2 templates that escape every value they print.

Templates live in ``workflow/reports/templates/`` (shipped as package data, so an installed alur finds them
through `jinja2.PackageLoader`). Autoescaping is on for every template: the office's text, catalog labels
and definition names reach the page as text, never as markup. What is already markup (a chart's SVG,
written by `xml.etree.ElementTree`) arrives as `markupsafe.Markup` from the writer that made it.
Undefined names raise, so a renamed field fails the render instead of leaving a blank in the report.
"""
from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

ENV = jinja2.Environment(loader=jinja2.PackageLoader("workflow.reports", "templates"), autoescape=True,
                         undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                         keep_trailing_newline=True, auto_reload=False)


def render_template(name: str, **context: Any) -> Markup:
    """The template ``name`` rendered with ``context``, as markup (its values escaped on the way)."""
    return Markup(ENV.get_template(name).render(**context))


def macros() -> Any:
    """The shared macros (``table``, ``narrative``), callable from Python; each returns `Markup`."""
    return ENV.get_template("report_macros.html.j2").module


__all__ = ["ENV", "render_template", "macros"]
