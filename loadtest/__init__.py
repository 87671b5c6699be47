"""Load and fault runs against a production-like alur on loopback (see loadtest/README.md). Not part of
the test suite: the behaviours under fault are held by focused tests; this shows the figures."""
