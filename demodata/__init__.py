"""Demo data for ``duibiao demo``: accounts, pilots, plans, applications, a certificate,
self-declarations, profiles and portal articles, each made through the platform's own
services and driven through the real BPMN processes.

It sits beside ``webapp`` and imports the layers below it (engine, forms, storage); the web
layer's CLI imports it, nothing below imports it. Loading is idempotent: every part checks
what exists and adds only what is missing, so a second run adds nothing. Dates are counted
back from the moment of the load (see ``demodata.timeline``), so the demo reads the same
whatever day it is loaded.
"""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from demodata import accounts, articles, compliance, declarations, directory, pilots, plans, profiles
from demodata.accounts import DEMO_ACCOUNTS, ensure_user
from engine import clock
from storage.files import FileStore

__all__ = ["DEMO_ACCOUNTS", "ensure_user", "load_all"]


def load_all(session: Session, session_factory: sessionmaker, store: FileStore) -> list[tuple[str, str, str]]:
    """Load whatever of the demo is missing, committing as it goes (the 公示 timers fire in
    sessions of their own); returns (email, password, role) of the demo accounts."""
    base = clock.now()
    made = accounts.load_accounts(session, base)
    pilots.load_pilots(session, base)
    session.commit()
    plans.load_plans(session, session_factory, store, base)
    compliance.load_applications(session, store, base)
    declarations.load_declarations(session, base)
    profiles.load_profiles(session, store, base)
    articles.load_articles(session, store, base)
    directory.load_directory(session, store, base)
    session.commit()
    return made
