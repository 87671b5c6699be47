"""What people write reaches every report format as text, never as markup: catalog labels (categories,
agencies), stage names, the office's name and its own narrative holding ``<script>`` and an attribute
break-out come out escaped by the writers (Jinja2's autoescaping for the HTML, ElementTree for the SVG
charts in it, lxml for the DOCX tables)."""
from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
import zipfile
from io import BytesIO

import lxml.html

from tests.stage_quarter import MEASURED, walk_quarter
from workflow.reports import build_report, render
from workflow.reports.model import Narrative
from workflow.reports.snapshot import content_of, report_from_content

from .conftest import docx_tables, docx_text

HOSTILE = '<script>alert(1)</script>" onmouseover="x'
SVG = "{http://www.w3.org/2000/svg}"


def _spoil(node):
    """Every label (and the office's name) with the hostile text appended."""
    if isinstance(node, dict):
        return {k: v + HOSTILE if k in ("label", "office") and isinstance(v, str) and v else _spoil(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_spoil(v) for v in node]
    return node


def hostile_report(store, engine, actors):
    walk_quarter(engine, actors)
    report = build_report(store, "2026-Q4", catalogs=engine.catalogs, calendar=engine.calendar, now=MEASURED)
    report = report_from_content(json.dumps(_spoil(json.loads(content_of(report)))))
    text = f"Kesimpulan {HOSTILE}\n\n- Butir {HOSTILE}"
    return dataclasses.replace(report, narrative=(Narrative("kesimpulan", "Kesimpulan", text),))


def no_markup_injected(elements) -> None:
    elements = [e for e in elements if isinstance(e.tag, str)]
    assert not [e for e in elements if e.tag.rsplit("}", 1)[-1].lower() == "script"]
    assert not [a for e in elements for a in e.attrib if a.lower().startswith("on")]


def test_hostile_labels_and_narrative_are_text_in_the_html_report_and_its_charts(store, engine, actors):
    report = hostile_report(store, engine, actors)
    html = render(report, "html").decode("utf-8")
    assert "<script>alert" not in html  # (a quote in element text is only text: the parsed tree is checked below)
    doc = lxml.html.document_fromstring(html)
    no_markup_injected(doc.iter())
    assert doc.xpath("//h1/following-sibling::p")[0].text_content().endswith(HOSTILE)  # the office
    categories = doc.xpath('//table[@id="tabel-3.2"]//td')
    assert [td.text_content() for td in categories if td.text_content().endswith(HOSTILE)]
    narrative = doc.xpath('//div[@data-section="kesimpulan"]')[0]
    assert [p.text_content() for p in narrative.iter("p")] == [f"Kesimpulan {HOSTILE}"]
    assert [li.text_content() for li in narrative.iter("li")] == [f"Butir {HOSTILE}"]
    stages = [td.text_content() for td in doc.xpath('//table[@id="tabel-4.5"]//td')]
    assert any(cell.endswith(HOSTILE) for cell in stages)

    svg = ET.fromstring(html[html.index("<svg"):html.index("</svg>") + 6])  # table 4.5's chart
    no_markup_injected(svg.iter())
    texts = [e.text or "" for e in svg.iter()]
    assert any(HOSTILE in text for text in texts)  # each bar's <title> holds the whole label


def test_hostile_labels_and_narrative_are_text_in_the_docx(store, engine, actors):
    docx = render(hostile_report(store, engine, actors), "docx")
    body = ET.fromstring(zipfile.ZipFile(BytesIO(docx)).read("word/document.xml"))
    no_markup_injected(body.iter())
    text = docx_text(docx)
    assert f"Kesimpulan {HOSTILE}" in text and f"Butir {HOSTILE}" in text
    tables = docx_tables(docx)
    for number in ("3.2", "4.5", "4.7"):
        rows = next(rows for caption, rows in tables.items() if caption.startswith(f"Tabel {number} "))
        assert any(cell.endswith(HOSTILE) for row in rows for cell in row), number
