"""The report's narrative sections: the text the figures give (the starting point of the office's draft), and
what each renderer prints (the office's text when the report carries it, else the generated text).

Sections and their plain-text form are `workflow.core.report_document` (paragraphs, ``- `` lists). The
generated text states only what the tables show; the office edits it in the console and publishes its
own (`workflow.reports.documents`).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from workflow.core.report_document import SECTION_KEYS, Block, blocks, section_title
from workflow.reports.model import Narrative, Report


def _long(iso: str) -> str:
    from workflow.core.period import MONTHS

    y, mo, d = iso.split("-")
    return f"{int(d)} {MONTHS[int(mo) - 1]} {y}"


def _rate(report: Report) -> str:
    decided = [s for s in report.sla.clocks if s.decided]
    if not decided:
        return ("Belum ada tahapan dengan tenggat yang selesai diukur pada periode ini, sehingga ketepatan waktu "
                "belum dapat disimpulkan.")
    parts = [f"{s.label} {str(s.on_time_rate).replace('.', ',')}% tepat waktu ({s.on_time} dari {s.decided})"
             for s in decided]
    return "Ketepatan waktu per tahapan: " + "; ".join(parts) + "."


def generated_sections(report: Report) -> dict[str, str]:
    """The four sections as the figures give them (plain text; lists as ``- `` lines)."""
    intro = (f"{report.office_short} menyelenggarakan pelayanan pengaduan atas proses pelayanan perizinan dan non "
             "perizinan. Atas pengaduan yang diterima perlu dilakukan tindakan korektif serta tindak lanjut, sehingga "
             "penyelenggara pelayanan mengetahui kekurangan pada proses perizinan dan dapat memperbaikinya.\n\n"
             f"Laporan ini memotret pelaksanaan pelayanan pengaduan pada periode {report.period_label} "
             f"({_long(report.period_start)} s.d. {_long(report.period_end)}), termasuk ketepatan waktu "
             "penyelesaiannya, dengan tujuan perbaikan kinerja pelaksanaan ke depan. Seluruh angka dihitung dari "
             "catatan pengaduan pada sistem.")
    analysis = "\n".join(f"- {line}" for line in report.analysis) or "- Tidak ada catatan analisa."
    conclusion = (f"Pada periode {report.period_label} diterima {report.total} pengaduan. " + _rate(report))
    if report.action_plans:
        advice = "\n".join(f"- {p.title} (penanggung jawab: {p.owner}; batas waktu: {p.due_date})"
                           for p in report.action_plans)
    else:
        advice = ("Belum ada rencana tindak lanjut yang dicatat untuk periode ini; tetapkan akar masalah dan rencana "
                  "tindak lanjut pada halaman laporan.")
    return {"pendahuluan": intro, "analisa": analysis, "kesimpulan": conclusion, "rekomendasi": advice}


def with_narrative(report: Report, sections: Mapping[str, str]) -> Report:
    """``report`` carrying the office's text for each section."""
    return replace(report, narrative=tuple(Narrative(key, section_title(key), str(sections.get(key) or ""))
                                           for key in SECTION_KEYS))


def section_text(report: Report, key: str) -> str:
    """The section's text: the office's when the report carries it, else the generated text."""
    for item in report.narrative:
        if item.key == key:
            return item.text
    return generated_sections(report)[key]


def section_blocks(report: Report, key: str) -> tuple[Block, ...]:
    return blocks(section_text(report, key))


__all__ = ["generated_sections", "with_narrative", "section_text", "section_blocks"]
