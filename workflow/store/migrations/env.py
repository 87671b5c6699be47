"""Alembic environment: runs on the engine alur hands over (or the configured URL)."""
from __future__ import annotations

from alembic import context

import importlib
import pkgutil

import workflow.store as store_package
from workflow.store.db import make_engine
from workflow.store.models import metadata

# Each part of alur keeps its tables in workflow/store/models_<part>.py; import them all so the
# metadata (used by autogenerate) knows every table.
for info in pkgutil.iter_modules(store_package.__path__):
    if info.name.startswith("models_"):
        importlib.import_module(f"workflow.store.{info.name}")

config = context.config
target_metadata = metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
