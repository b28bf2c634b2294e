"""The rights of a person within the organisation (engine.domain.team_rights), checked before every
state-changing request of the pages (a before_request hook) and of the API (webapp.api.token_required
calls api_refusal), so no view has to remember them."""
from __future__ import annotations

from flask import Flask, abort, flash, jsonify, request
from flask_login import current_user

from engine.domain import team_rights
from storage.models import HumanTask, User
from webapp import db
from webapp.i18n import localized


def init_app(app: Flask) -> None:
    app.before_request(check_page_request)


def refusal(user: User) -> str | None:
    """Why ``user`` may not make the current request (None: allowed)."""
    endpoint, method = request.endpoint, request.method
    if method in team_rights.SAFE_METHODS:
        return None
    if endpoint in team_rights.TASK_ENDPOINTS:
        if team_rights.has_right(user, team_rights.SUBMIT) and team_rights.has_right(user, team_rights.REVIEW):
            return None  # allowed whatever the task: no statement spent on it (the API's budget)
        task_id = (request.view_args or {}).get("task_id")
        task = db.session().get(HumanTask, task_id) if task_id is not None else None
        if task is None:
            return None  # the view answers 404
        return team_rights.refusal(user, team_rights.task_right(task))
    return team_rights.refusal(user, team_rights.request_right(endpoint, method))


def check_page_request():
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    message = refusal(current_user.row)
    if message:
        flash(localized(message), "danger")
        abort(403)
    return None


def api_refusal(user: User):
    """The API's answer refusing the request (None: go on)."""
    message = refusal(user)
    return (jsonify({"error": localized(message)}), 403) if message else None
