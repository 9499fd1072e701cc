"""Contest pages as visitors and staff use them."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from contest.contests.models import Contest
from contest.core.clock import utcnow
from contest.extensions import db
from tests.conftest import login, submit
from tests.factories import PASSWORD, image_bytes, make_contest, make_user


@pytest.fixture
def staff(ctx):
    return make_user("camille", email="camille@example.com", role="staff")


def form_dates(offsets=(1, 8, 15)) -> dict[str, str]:
    now = utcnow().replace(second=0, microsecond=0)
    names = ("submissions_open_at", "submissions_close_at", "voting_close_at")
    return {
        name: (now + timedelta(days=d)).strftime("%Y-%m-%dT%H:%M")
        for name, d in zip(names, offsets, strict=True)
    }


CONTEST_FORM = {
    "title": "Botanical Summer",
    "tagline": "Leaves, flowers and sunshine",
    "brief": "Draw **plants**.",
    "rules": "No AI.\n\n<script>alert('x')</script>",
    "prize": "1 250,50",
    "prize_currency": "EUR",
    "royalty_percent": "12.5",
    "winners_count": "3",
    "min_scores": "10",
    "max_entries_per_artist": "3",
    "min_short_side": "1800",
    "product_types": ["tshirt", "poster", "mug"],
}


def test_staff_create_publish_and_the_public_page(app, client, staff):
    login(client, "camille", PASSWORD)
    cover = (io.BytesIO(image_bytes((1600, 900), "JPEG")), "cover.jpg")
    response = submit(
        client,
        "/staff/contests/new",
        {**CONTEST_FORM, **form_dates((-1, 8, 15)), "cover": cover},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        contest = db.session.query(Contest).one()
        assert contest.slug == "botanical-summer"
        assert contest.prize_amount == 125050
        assert contest.royalty_bps == 1250
        assert contest.product_types == ["tshirt", "poster", "mug"]
        assert contest.state == "draft"
        assert contest.cover.width == 1600
        contest_id = contest.id
    assert app.test_client().get("/contests/botanical-summer").status_code == 404
    submit(client, f"/staff/contests/{contest_id}/publish", {}, page=f"/staff/contests/{contest_id}/edit")
    with app.app_context():
        assert db.session.get(Contest, contest_id).state == "submissions"
    visitor = app.test_client()
    page = visitor.get("/contests/botanical-summer").get_data(as_text=True)
    assert "<strong>plants</strong>" in page
    assert "<script>alert" not in page
    assert "€1,250.50" in page
    assert "12.5%" in page
    assert "T-shirt, Poster, Mug" in page
    assert "Submissions close in" in page
    assert "7 days" in page  # the countdown is rendered by the server, JavaScript only keeps it ticking
    listing = visitor.get("/contests").get_data(as_text=True)
    assert "Open for submissions" in listing
    assert "Botanical Summer" in listing
    french = visitor.get("/contests/botanical-summer", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    assert "1\u202f250,50\u00a0€" in french or "1\u202f250,50\u202f€" in french


def test_contest_form_refuses_bad_values(app, client, staff):
    login(client, "camille", PASSWORD)
    bad_dates = form_dates((5, 2, 9))
    response = submit(
        client,
        "/staff/contests/new",
        {**CONTEST_FORM, **bad_dates, "prize": "12.345", "royalty_percent": "150", "product_types": []},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write an amount such as 500" in html
    assert "between 0 and 100" in html
    response = submit(client, "/staff/contests/new", {**CONTEST_FORM, **bad_dates})
    assert "Dates must follow each other" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Contest).count() == 0


def test_contest_list_groups_by_phase(app, client, staff):
    titles = {
        phase: make_contest(phase, staff=staff, title=f"The {phase} one").title
        for phase in ("scheduled", "submissions", "voting", "closed")
    }
    make_contest("submissions", staff=staff, publish=False, title="Secret draft")
    html = client.get("/contests").get_data(as_text=True)
    for title in titles.values():
        assert title in html
    assert "Secret draft" not in html
    positions = [html.index(titles[p]) for p in ("submissions", "voting", "scheduled", "closed")]
    assert positions == sorted(positions)


def test_cancel_shows_the_reason(app, client, staff):
    contest = make_contest("submissions", staff=staff)
    login(client, "camille", PASSWORD)
    submit(
        client,
        f"/staff/contests/{contest.id}/cancel",
        {"reason": "The sponsor pulled out."},
        page=f"/staff/contests/{contest.id}/edit",
    )
    page = app.test_client().get(f"/contests/{contest.slug}").get_data(as_text=True)
    assert "This contest was cancelled." in page
    assert "The sponsor pulled out." in page
    assert "Submit a design" not in page
