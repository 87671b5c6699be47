"""The report's HTML templates (workflow/reports/templates/) are shipped with the package and escape what they
print: an installed alur finds them through `jinja2.PackageLoader`, so setup.cfg's package data must name them."""
from __future__ import annotations

import configparser
from fnmatch import fnmatch

from markupsafe import Markup

from tests.conftest import ROOT
from workflow.core.report_document import Block
from workflow.reports.tables import Row, Table
from workflow.reports.templating import ENV, macros, render_template


def test_every_template_is_in_the_package_data():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    patterns = [p.strip() for p in config["options.package_data"]["workflow.reports"].split(",")]
    names = ENV.list_templates()
    assert "report.html.j2" in names
    assert [n for n in names if not any(fnmatch(f"templates/{n}", p) for p in patterns)] == []


def test_templates_escape_values_and_keep_markup_made_by_a_writer():
    out = macros().narrative((Block("p", ('<b>"x"</b>',)),), 'k" onclick="x')
    assert isinstance(out, Markup) and "<b>" not in out and 'data-section="k&#34; onclick=&#34;x"' in out
    table = Table("4.5", "<i>", "tahapan_state", ("No",), (Row(("<u>",), style="total"),))
    section = render_template("stage_section.html.j2", title="T", intro="<i>", entries=[(Markup("<svg/>"), table)])
    assert '<div class="stage-chart"><svg/></div>' in section and "<p>&lt;i&gt;</p>" in section
    assert "<caption>Tabel 4.5 &lt;i&gt;</caption>" in section and '<td colspan="2">&lt;u&gt;</td>' in section
