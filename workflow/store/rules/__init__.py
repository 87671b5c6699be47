"""Rules that both Python and SQL must know, each in one module with its two forms side by side.

A page that colours a row "overdue" and the query that counts overdue tickets must never disagree, so
each rule has one home here: a Python function for code that holds the records, and a SQL expression
for queries over many. ``tests/store/test_rules.py`` generates tickets and clock runs, stores them in
SQLite and PostgreSQL and holds the two forms equal.
"""
