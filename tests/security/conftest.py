"""Security tests share the web app of tests/web.py (the fixtures are imported here, as the console's are)."""
from __future__ import annotations

from tests.web import (  # noqa: F401 - re-exported to the tests; the fixtures are the shared web app
    app,
    app_config,
    client,
    db,
    fresh_admin_catalog_cache,
    rt,
    web_environment,
    web_template,
)
