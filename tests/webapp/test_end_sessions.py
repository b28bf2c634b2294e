"""engine.domain.auth.end_sessions: every web session and API token of one account stops at once."""
from __future__ import annotations

from engine.domain import auth
from storage.models import User
from tests.webapp.helpers import OTHER_EMAIL, OTHER_PASSWORD, api_token, logged_in
from webapp import db


def test_end_sessions_ends_web_sessions_and_api_tokens(app, other_enterprise, office, make_client):
    first = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    second = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    headers = api_token(app.test_client(), OTHER_EMAIL, OTHER_PASSWORD)
    untouched = logged_in(app.test_client(), "office@test.cn", "Office#123")
    assert first.get("/account/password").status_code == 200
    assert app.test_client().get("/api/v1/tasks", headers=headers).status_code == 200

    with app.app_context():
        auth.end_sessions(db.session(), db.session().get(User, other_enterprise))
        db.commit()

    for client in (first, second):
        response = client.get("/account/password")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert app.test_client().get("/api/v1/tasks", headers=headers).status_code == 401
    assert untouched.get("/account/password").status_code == 200  # other accounts keep their sessions
    again = make_client(OTHER_EMAIL, OTHER_PASSWORD)  # the password still works: a new session opens
    assert again.get("/account/password").status_code == 200
