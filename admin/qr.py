"""QR codes for receipts (segno): the tracking link as an SVG ``data:`` URI for an ``<img>``.

A data URI keeps the picture inside the page (printable, no extra request that would carry the link) and
goes through Jinja's escaping like any attribute; segno percent-encodes the SVG, and the link is encoded in
the modules, never as text (the page's Content-Security-Policy allows ``img-src data:``)."""
from __future__ import annotations

import segno


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    """The QR code of ``text`` (error correction M: readable from a creased or smudged printout)."""
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=scale, border=2, dark="#000", light="#fff")


__all__ = ["qr_data_uri"]
