"""The JSON API as clients use it: bearer token or site session, one error shape, the site's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.accounts.models import ApiToken
from contest.api.tokens import create_token, hash_token, revoke_token
from contest.contests.services import advance_contests
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.voting import results as result_services
from contest.voting import services
from contest.voting.models import Score
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_contest, make_design, make_user

OLD = utcnow() - timedelta(days=30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def open_voting(contest) -> object:  # noqa: ANN001 - a Contest
    """Close submissions a few minutes ago, so the contest is in voting now."""
    with unit_of_work():
        row = db.session.get(type(contest), contest.id)
        row.submissions_close_at = utcnow() - timedelta(minutes=5)
        advance_contests(utcnow())
    db.session.expire_all()
    return db.session.get(type(contest), contest.id)


@pytest.fixture
def scene(ctx):
    """A contest in voting with two approved designs by lea, and a long-standing voter holding a token."""
    staff = make_user("mod", role="staff", now=OLD)
    lea = make_user("lea", email="lea@example.com", now=OLD)
    voter = make_user("ana", email="ana@example.com", now=OLD)
    contest = make_contest("submissions", title="Night Animals", staff=staff)
    designs = [make_design(contest, lea, seed=n, approve=True, staff=staff) for n in (1, 2)]
    contest = open_voting(contest)
    with unit_of_work():
        token, plaintext = create_token(voter, "cli", now=utcnow())
    return {"contest": contest, "designs": designs, "voter": voter, "lea": lea, "token": plaintext}


def scores_of(voter_id: int) -> list[tuple[int, int | None, bool]]:
    db.session.expire_all()
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Score.design_id, Score.value, Score.buy).where(Score.voter_id == voter_id)
        ).all()
    ]


def assert_error(response, status: int, code: str) -> None:  # noqa: ANN001 - TestResponse
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_contest_list_and_detail(client, scene):
    contest = scene["contest"]
    with unit_of_work():
        make_contest("submissions", publish=False, title="Secret Draft")
    listing = client.get("/api/v1/contests").get_json()
    assert listing["total"] == 1
    item = listing["items"][0]
    assert item["slug"] == contest.slug
    assert item["phase"] == "voting"
    assert item["prize"] == {"amount": 50000, "currency": "EUR"}
    detail = client.get(f"/api/v1/contests/{contest.slug}").get_json()
    assert detail["brief"] == "Draw **cats** in space."
    assert detail["royalty_bps"] == 1000
    assert set(detail) >= {"rules", "winners_count", "min_scores", "product_types"}
    assert_error(client.get("/api/v1/contests/secret-draft"), 404, "not_found")
    assert_error(client.get("/api/v1/contests?per_page=101"), 422, "validation_error")


def test_designs_are_listed_without_any_counts(client, scene):
    contest, designs = scene["contest"], scene["designs"]
    body = client.get(f"/api/v1/contests/{contest.slug}/designs").get_json()
    assert body["total"] == 2
    assert {item["id"] for item in body["items"]} == {d.id for d in designs}
    item = body["items"][0]
    assert set(item) == {"id", "title", "artist", "tags", "renditions"}
    assert item["artist"] == "lea"
    assert item["tags"] == ["cats", "retro"]
    assert item["renditions"]
    assert item["renditions"][0]["url"].startswith("/")
    mine = client.get(f"/api/v1/contests/{contest.slug}/designs", headers=bearer(scene["token"])).get_json()
    assert {item["id"] for item in mine["items"]} == {d.id for d in designs}
    one = client.get(f"/api/v1/contests/{contest.slug}/designs?per_page=1&page=2").get_json()
    assert len(one["items"]) == 1
    assert one["page"] == 2


def test_bearer_token_scores_without_csrf_or_session_cookie(client, scene):
    design, voter = scene["designs"][0], scene["voter"]
    url = f"/api/v1/designs/{design.id}/score"
    response = client.put(url, json={"value": 4}, headers=bearer(scene["token"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["value"] == 4
    assert response.get_json()["buy"] is False
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("session=") for c in cookies)
    # The same PUT twice leaves one score in the same state; a partial body changes only its field.
    again = client.put(url, json={"value": 4}, headers=bearer(scene["token"]))
    assert again.get_json()["value"] == 4
    client.put(url, json={"buy": True}, headers=bearer(scene["token"]))
    assert scores_of(voter.id) == [(design.id, 4, True)]
    token = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert token.last_used_at is not None
    mine = client.get(
        f"/api/v1/me/scores?contest={scene['contest'].slug}", headers=bearer(scene["token"])
    ).get_json()
    assert [(s["design_id"], s["value"], s["buy"]) for s in mine["items"]] == [(design.id, 4, True)]
    assert client.delete(url, headers=bearer(scene["token"])).status_code == 204
    assert scores_of(voter.id) == []
    assert_error(client.delete(url, headers=bearer(scene["token"])), 404, "not_found")


def test_unknown_and_revoked_tokens_are_refused(client, scene):
    design = scene["designs"][0]
    url = f"/api/v1/designs/{design.id}/score"
    assert_error(client.put(url, json={"value": 3}, headers=bearer("atl_nope")), 401, "invalid_token")
    assert_error(
        client.get("/api/v1/contests", headers={"Authorization": "Basic eA=="}), 401, "invalid_token"
    )
    assert_error(client.get(f"/api/v1/me/scores?contest={scene['contest'].slug}"), 401, "unauthorized")
    assert_error(client.put(url, json={"value": 3}), 401, "unauthorized")
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(scene["token"]))
    ).scalar_one()
    with unit_of_work():
        revoke_token(scene["voter"], token.id, now=utcnow())
    assert_error(client.put(url, json={"value": 3}, headers=bearer(scene["token"])), 401, "invalid_token")
    assert scores_of(scene["voter"].id) == []


def test_create_token_stores_only_a_hash(ctx):
    user = make_user("zoe", now=OLD)
    with unit_of_work():
        token, plaintext = create_token(user, "laptop", now=utcnow())
    assert plaintext.startswith("atl_")
    assert len(plaintext) > 40
    assert token.prefix == plaintext[:8]
    assert token.token_hash == hash_token(plaintext) != plaintext
    other = make_user("max", now=OLD)
    from contest.core.errors import NotFound

    with pytest.raises(NotFound), unit_of_work():
        revoke_token(other, token.id, now=utcnow())


def test_session_needs_the_csrf_header_for_writes(client, scene):
    design = scene["designs"][0]
    url = f"/api/v1/designs/{design.id}/score"
    login(client, "ana", PASSWORD)
    assert_error(client.put(url, json={"value": 5}), 400, "csrf_failed")
    assert_error(client.put(url, json={"value": 5}, headers={"X-CSRFToken": "forged"}), 400, "csrf_failed")
    assert scores_of(scene["voter"].id) == []
    token = csrf_token(client.get(f"/contests/{scene['contest'].slug}").get_data(as_text=True))
    response = client.put(url, json={"value": 5}, headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert scores_of(scene["voter"].id) == [(design.id, 5, False)]
    assert client.get(f"/api/v1/me/scores?contest={scene['contest'].slug}").get_json()["total"] == 1


def test_scoring_rules_come_back_as_json_errors(client, scene):
    design = scene["designs"][0]
    url = f"/api/v1/designs/{design.id}/score"
    with unit_of_work():
        _t, lea_token = create_token(scene["lea"], "cli", now=utcnow())
    assert_error(client.put(url, json={"value": 5}, headers=bearer(lea_token)), 403, "self_scoring")
    assert_error(client.put(url, json={"value": 9}, headers=bearer(scene["token"])), 422, "validation_error")
    assert_error(
        client.put(url, json={"value": "x"}, headers=bearer(scene["token"])), 422, "validation_error"
    )
    assert_error(client.put(url, json={}, headers=bearer(scene["token"])), 422, "validation_error")
    assert_error(client.put(url, json={"buy": False}, headers=bearer(scene["token"])), 422, "invalid_score")
    assert_error(
        client.put("/api/v1/designs/999999/score", json={"value": 3}, headers=bearer(scene["token"])),
        404,
        "not_found",
    )
    newcomer = make_user("newbie", email="newbie@example.com")
    with unit_of_work():
        _t, new_token = create_token(newcomer, "cli", now=utcnow())
    assert_error(client.put(url, json={"value": 5}, headers=bearer(new_token)), 403, "not_eligible")
    assert scores_of(scene["voter"].id) == []
    with unit_of_work():
        row = db.session.get(type(scene["contest"]), scene["contest"].id)
        row.voting_close_at = utcnow() - timedelta(minutes=1)
    assert_error(client.put(url, json={"value": 5}, headers=bearer(scene["token"])), 409, "voting_closed")
    assert scores_of(scene["voter"].id) == []


def test_results_are_hidden_until_published(client, scene):
    contest, designs = scene["contest"], scene["designs"]
    voters = [make_user(f"voter{n}", now=OLD) for n in range(3)]
    now = utcnow()
    for voter in voters:
        for design, value in zip(designs, (5, 3), strict=True):
            with unit_of_work():
                services.cast_score(voter, design, value=value, buy=value == 5, now=now)
    url = f"/api/v1/contests/{contest.slug}/results"
    assert_error(client.get(url), 404, "not_found")
    with unit_of_work():
        row = db.session.get(type(contest), contest.id)
        row.voting_close_at = utcnow() - timedelta(minutes=1)
        row.min_scores = 3
        row.winners_count = 1
    db.session.expire_all()
    contest = db.session.get(type(contest), contest.id)
    with unit_of_work():
        result_services.publish_results(contest, now=utcnow())
    body = client.get(url).get_json()
    assert body["total"] == 2
    first, second = body["items"]
    assert (first["rank"], first["design_id"], first["winner"], first["qualified"]) == (
        1,
        designs[0].id,
        True,
        True,
    )
    assert (second["rank"], second["design_id"], second["winner"]) == (2, designs[1].id, False)
    assert first["score_count"] == 3
    assert first["buy_count"] == 3
    assert first["title"] == designs[0].title
    assert isinstance(first["excluded"], dict)


def test_openapi_document_is_served(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["title"] == "Atelier API"
    assert "/api/v1/designs/{design_id}/score" in spec["paths"]
    assert set(spec["components"]["schemas"]["Error"]["properties"]) == {"error"}


def test_site_errors_stay_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_unknown_api_urls_and_methods_answer_in_json(client):
    assert_error(client.get("/api/v1/nope"), 404, "not_found")
    response = client.post("/api/v1/contests")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_settings_page_creates_shows_once_and_revokes_tokens(app, ctx):
    import re

    from tests.conftest import login, submit
    from tests.factories import PASSWORD, make_contest, make_user

    make_user("tokenista", email="tokenista@example.com")
    slug = make_contest("submissions").slug
    client = app.test_client()
    login(client, "tokenista", PASSWORD)
    page = submit(client, "/settings/tokens", {"name": "my scoring script"}).get_data(as_text=True)
    token = re.search(r'<code class="token">(atl_[^<]+)</code>', page).group(1)
    assert "my scoring script" in page
    assert token not in client.get("/settings/tokens").get_data(as_text=True)  # shown once
    api = app.test_client()
    mine = f"/api/v1/me/scores?contest={slug}"
    assert api.get(mine, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    from contest.accounts.models import ApiToken
    from contest.extensions import db

    token_id = db.session.query(ApiToken.id).scalar()
    submit(client, f"/settings/tokens/{token_id}/revoke", {}, page="/settings/tokens")
    assert api.get(mine, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    other = app.test_client()
    make_user("someone", email="someone@example.com")
    login(other, "someone", PASSWORD)
    assert (
        submit(other, f"/settings/tokens/{token_id}/revoke", {}, page="/settings/tokens").status_code == 404
    )
