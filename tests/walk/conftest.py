"""Walk fixtures: the shared web app's template database (tests/web.py) with the demo office's complaints."""
from tests.web import fresh_admin_catalog_cache, web_template  # noqa: F401 - the shared web app's fixtures
