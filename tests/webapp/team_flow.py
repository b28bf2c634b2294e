"""Driving 单位成员: invite a colleague, follow the e-mailed link, accept (no fixtures here)."""
from __future__ import annotations

import re

from tests.webapp.helpers import outbox

COLLEAGUE_PASSWORD = "Colleague#1"


def invitation_link(app, email: str) -> str:
    mails = [m for m in outbox(app, "email") if m["to"] == email]
    assert mails, f"no invitation e-mail to {email}"
    return re.search(r"http://localhost(/invitation/\S+)", mails[-1]["text"]).group(1)


def invite(client, email: str, rights=("submit",), base: str = "/account/team", **extra):
    return client.post(f"{base}/invite", data={"email": email, "rights": list(rights), **extra})


def accept(client, link: str, name: str = "王工程师", password: str = COLLEAGUE_PASSWORD):
    return client.post(link, data={"full_name": name, "password": password, "password_confirm": password})


def joined(app, admin_client, email: str, rights=("submit",), name: str = "王工程师", **extra):
    """A colleague invited by ``admin_client``'s administrator, accepted and logged in (a new browser)."""
    response = invite(admin_client, email, rights, **extra)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    client = app.test_client()
    assert accept(client, invitation_link(app, email), name).status_code == 302
    return client
