"""Security tests share the web app of tests/web.py (its fixtures come from the root conftest's pytest_plugins)."""
from __future__ import annotations

