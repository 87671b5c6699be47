"""Receipt numbers and tracking tokens: what a complainant is handed when a complaint is recorded."""
from __future__ import annotations

import hashlib
import secrets


def format_receipt(year: int, number: int) -> str:
    """``ADU-2026-000042``: the year (office time) and the year's running number."""
    return f"ADU-{year}-{number:06d}"


def new_token() -> str:
    """A tracking token: 24 random bytes, shown once to the complainant."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """Tracking tokens are stored hashed: a leaked database does not let anyone track complaints."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


__all__ = ["format_receipt", "new_token", "hash_token"]
