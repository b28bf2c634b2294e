"""Sending one request of the authorisation matrix and naming what came back."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.security.matrix import VALUES

API_PREFIX = "/api/"


def split_key(key: str) -> tuple[str, dict[str, str]]:
    """``"tasks.show task_id=office_task"`` → ("tasks.show", {"task_id": "office_task"})."""
    endpoint, *overrides = key.split()
    return endpoint, dict(item.split("=", 1) for item in overrides)


def url_for_key(world, rule, overrides: dict[str, str]) -> str:
    """The rule's path with each argument filled from the world (VALUES names the object)."""
    path = rule.rule
    for argument in sorted(rule.arguments - set(rule.defaults or {})):
        name = overrides.get(argument, VALUES.get(argument))
        if name is None:
            raise KeyError(f"no value for <{argument}> of {rule.endpoint}: add it to VALUES in matrix.py")
        value = world.ids[name] if name in world.ids else name
        path = path.replace(f"<{argument}>", str(value))
        for converter in ("int", "path", "string"):
            path = path.replace(f"<{converter}:{argument}>", str(value))
    return path


def outcome(response) -> str:
    """What the matrix compares: the status code, or where a redirect goes."""
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers.get("Location", "")).path
        return {"/login": "login", "/account/status": "status"}.get(target, "redirect")
    return str(response.status_code)


def send(world, principal: str, method: str, url: str):
    """One request as ``principal``, its body read and the response closed (files are streamed)."""
    response = _send(world, principal, method, url)
    response.get_data()
    response.close()
    return response


def _send(world, principal: str, method: str, url: str):
    """One request as ``principal``: pages with its browser (a POST with its CSRF token and nothing
    else), the API with its bearer token and an empty JSON object."""
    if url.startswith(API_PREFIX):
        client = world.app.test_client()
        headers = world.headers(principal)
        if method == "POST":
            return client.post(url, json={}, headers=headers)
        return client.get(url, headers=headers)
    client = world.clients[principal]
    if method == "GET":
        return client.get(url)
    # 退出 and 修改密码 end the browser's session: it is put back afterwards (with the database).
    kept = client.get_cookie("session")
    token = world.csrf[principal]
    response = client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token})
    if kept is not None:
        client.set_cookie("session", kept.value)
    return response
