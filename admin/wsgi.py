"""WSGI entry point for production servers: ``gunicorn 'admin.wsgi:app'``.

Configuration comes from the environment (see workflow/runtime.py). Deadlines and notifications are
handled by ``alur worker`` when ALUR_REDIS_URL is set; without Redis, set ALUR_INPROCESS_SWEEPER=1 to
sweep inside the web process (one gunicorn worker is enough for that; more are safe, just redundant).
"""
from __future__ import annotations

import os

from admin.app import create_app
from workflow.runtime import build_runtime, install_services

app = create_app(runtime=install_services(build_runtime()))

if not app.extensions["alur"].redis_url:
    try:
        from notifications.delivery import start_background_delivery
    except ModuleNotFoundError:
        pass
    else:  # without Redis, send notifications off the request thread (see BackgroundDelivery)
        start_background_delivery(app.extensions["alur"])

if os.environ.get("ALUR_INPROCESS_SWEEPER") == "1" and not app.extensions["alur"].redis_url:
    try:
        from workflow.jobs import start_inprocess_sweeper
    except ModuleNotFoundError:
        pass
    else:
        start_inprocess_sweeper(app.extensions["alur"])
