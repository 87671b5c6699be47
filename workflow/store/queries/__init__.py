"""Read models: the queries behind pages, lists, dashboards and reports, apart from the write side.

Each module answers one page or report's questions with as few statements as it can, and is tested on
SQLite and PostgreSQL. Entry points (web, CLI, jobs) call these functions with the runtime's store;
they never build SQL themselves.
"""
