"""Storage layer: SQLAlchemy models, sessions, migrations and file storage.

Imports nothing from the layers above (engine, forms, webapp).
"""
from storage.db import Base, make_engine, make_session_factory  # noqa: F401
