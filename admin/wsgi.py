"""WSGI entry point for production servers: ``gunicorn 'admin.wsgi:app'``.

Configuration comes from the environment (see workflow/runtime.py). Deadlines and notifications are
handled by ``alur worker`` when ALUR_REDIS_URL is set; without Redis, set ALUR_INPROCESS_SWEEPER=1 to
sweep inside the web process (one gunicorn worker is enough for that; more are safe, just redundant).
"""
from __future__ import annotations

import os

from admin.app import create_app
from admin.cli import running_runtime
from notifications.delivery import start_background_delivery
from workflow.jobs.periodic import start_inprocess_sweeper
from workflow.runtime import build_runtime

app = create_app(runtime=running_runtime(build_runtime()))
_runtime = app.extensions["alur"]

if not _runtime.redis_url:
    start_background_delivery(_runtime)  # send notifications off the request thread (see BackgroundDelivery)
    if os.environ.get("ALUR_INPROCESS_SWEEPER") == "1":
        start_inprocess_sweeper(_runtime)
