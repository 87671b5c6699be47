"""Byte-stable office files: a published report's DOCX and XLSX are the same bytes however often they are made.

DOCX and XLSX are zip archives; the zip writer stamps every member with the time of writing, and the
document properties (``docProps/core.xml``) carry created/modified times. The renderers set the properties
to the publication's moment; `fixed_zip` rewrites the archive with every member stamped with that moment,
in the same order and compression, so the bytes depend only on the content.
"""
from __future__ import annotations

import re
import zipfile
from datetime import datetime, timezone
from io import BytesIO

_PROPERTY_TIME = re.compile(r"(<dcterms:(?:created|modified)\b[^>]*>)([^<]*)(</dcterms:(?:created|modified)>)")


def fixed_zip(data: bytes, moment: datetime) -> bytes:
    """``data`` (a zip archive) with every member's time, and the document's created/modified properties,
    set to ``moment`` (UTC)."""
    stamp = moment.astimezone(timezone.utc).timetuple()[:6]
    stamp = (max(stamp[0], 1980), *stamp[1:])  # zip times start in 1980
    iso = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                body = _PROPERTY_TIME.sub(lambda m: m.group(1) + iso + m.group(3), body.decode("utf-8")).encode("utf-8")
            target.writestr(member, body)
    return out.getvalue()


__all__ = ["fixed_zip"]
