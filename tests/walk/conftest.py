"""Walk fixtures: the shared web app's template database (tests/web.py) with the demo office's complaints."""
