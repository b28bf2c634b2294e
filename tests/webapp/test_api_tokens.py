"""用户中心 → API 令牌 (create shows the token once, list, revoke, expiry) and the API's rate limits
(429 with Retry-After and a Chinese message, then recovery when the window ends)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import ApiToken, Throttle
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, all_rows, api_token, flashes, page, text_of

TOKENS = "/account/tokens/"


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def create(client, name: str = "ERP 对接", days: int = 30):
    return client.post(TOKENS, data={"name": name, "days": str(days)})


def shown_token(response) -> str | None:
    found = page(response).xpath("//*[@data-token-value]")
    return found[0].text_content().strip() if found else None


def listed(response) -> list[tuple[str, str]]:
    """(name, state) of each row of the token list, as the page shows them."""
    return [(row.xpath("./td")[0].text_content().strip(), row.get("data-state"))
            for row in page(response).xpath("//tr[@data-token-id]")]


def menu_links(client) -> list[str]:
    return [a.text_content().strip() for a in
            page(client.get("/account/password")).xpath("//nav[@class='side-menu']//a[@href='/account/tokens/']")]


def test_the_menu_offers_api_tokens_to_every_approved_user(office_client, other_client, applicant_client):
    assert menu_links(office_client) == menu_links(other_client) == ["API 令牌"]
    assert menu_links(applicant_client) == []  # before approval: 注册状态 and 我的消息 only
    response = applicant_client.get(TOKENS)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/status")


def test_a_created_token_is_shown_once_and_works(office_client, client, session_factory, frozen_clock):
    empty = office_client.get(TOKENS)
    assert empty.status_code == 200 and "还没有令牌" in text_of(empty)
    created = create(office_client, "ERP 对接", 30)
    assert created.status_code == 201
    raw = shown_token(created)
    assert raw and len(raw) >= 32 and "离开本页后将无法再次查看" in text_of(created)
    (row,) = all_rows(session_factory, select(ApiToken))
    assert row.name == "ERP 对接" and raw not in row.digest
    assert row.expires_at - row.created_at == timedelta(days=30)

    again = office_client.get(TOKENS)
    assert shown_token(again) is None and raw not in again.get_data(as_text=True)
    assert listed(again) == [("ERP 对接", "active")] and "从未使用" in text_of(again)
    assert client.get("/api/v1/tasks", headers=bearer(raw)).status_code == 200
    assert "从未使用" not in text_of(office_client.get(TOKENS))  # 最近使用 is filled in


def test_a_token_needs_a_name(office_client, session_factory):
    response = create(office_client, "  ")
    assert response.status_code == 422 and shown_token(response) is None
    assert "请填写令牌名称" in text_of(response)
    assert all_rows(session_factory, select(ApiToken)) == []


def test_a_revoked_token_is_refused(office_client, client):
    raw = shown_token(create(office_client))
    assert client.get("/api/v1/tasks", headers=bearer(raw)).status_code == 200
    (token_id,) = [int(i) for i in page(office_client.get(TOKENS)).xpath("//tr/@data-token-id")]
    revoked = office_client.post(f"{TOKENS}{token_id}/revoke", follow_redirects=True)
    assert "令牌已吊销，使用它的请求将被拒绝" in flashes(revoked)
    assert listed(revoked) == [("ERP 对接", "revoked")]
    refused = client.get("/api/v1/tasks", headers=bearer(raw))
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    again = office_client.post(f"{TOKENS}{token_id}/revoke", follow_redirects=True)
    assert "该令牌不存在或已吊销" in flashes(again)


def test_nobody_revokes_another_users_token(office_client, other_client, client):
    raw = shown_token(create(office_client))
    (token_id,) = [int(i) for i in page(office_client.get(TOKENS)).xpath("//tr/@data-token-id")]
    refused = other_client.post(f"{TOKENS}{token_id}/revoke", follow_redirects=True)
    assert "该令牌不存在或已吊销" in flashes(refused)
    assert listed(other_client.get(TOKENS)) == []
    assert client.get("/api/v1/tasks", headers=bearer(raw)).status_code == 200


def test_an_expired_token_is_refused_and_listed_as_expired(office_client, client, frozen_clock):
    raw = shown_token(create(office_client, "短期", 7))
    frozen_clock.advance(timedelta(days=7, seconds=1))
    assert client.get("/api/v1/tasks", headers=bearer(raw)).status_code == 401
    assert listed(office_client.get(TOKENS)) == [("短期", "expired")]


def test_the_api_limits_each_token_and_recovers(app, client, office, frozen_clock):
    app.config.update(API_RATE_LIMIT=3, API_RATE_WINDOW=60)
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    other = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert [client.get("/api/v1/tasks", headers=headers).status_code for _ in range(3)] == [200] * 3
    frozen_clock.advance(timedelta(seconds=20))
    limited = client.get("/api/v1/tasks", headers=headers)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "40"
    assert limited.get_json() == {"error": "请求过于频繁，请 40 秒后再试"}
    assert client.get("/api/v1/tasks", headers=other).status_code == 200  # each token its own window
    frozen_clock.advance(timedelta(seconds=40))
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200


def test_refused_requests_count_too(app, client, office, frozen_clock):
    """A request the API answers 404 or 422 (rolled back) still uses up the window."""
    app.config.update(API_RATE_LIMIT=2)
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert client.post("/api/v1/tasks/999999", headers=headers, json={}).status_code == 404
    assert client.get("/api/v1/instances/999999", headers=headers).status_code == 404
    assert client.get("/api/v1/tasks", headers=headers).status_code == 429


def test_the_token_endpoint_is_limited_per_address(app, client, office, frozen_clock, session_factory):
    app.config.update(API_TOKEN_RATE_LIMIT=2, API_RATE_WINDOW=60)
    credentials = {"email": OFFICE_EMAIL, "password": OFFICE_PASSWORD}
    assert [client.post("/api/v1/tokens", json=credentials).status_code for _ in range(2)] == [201, 201]
    limited = client.post("/api/v1/tokens", json=credentials)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert "请求过于频繁" in limited.get_json()["error"]
    other_address = client.post("/api/v1/tokens", json=credentials, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_address.status_code == 201
    assert first_count(session_factory, "api:ip:127.0.0.1") == 3
    frozen_clock.advance(timedelta(seconds=61))
    assert client.post("/api/v1/tokens", json=credentials).status_code == 201
    assert first_count(session_factory, "api:ip:127.0.0.1") == 1  # a new window


def first_count(session_factory, key: str) -> int:
    (row,) = all_rows(session_factory, select(Throttle).where(Throttle.key == key))
    return row.count
