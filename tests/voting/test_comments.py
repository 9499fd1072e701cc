"""Critiques on designs, with reports of abusive ones and staff decisions."""

from __future__ import annotations

import pytest

from contest.comments.models import Comment, CommentReport
from contest.extensions import db
from tests.conftest import login, submit
from tests.factories import PASSWORD, make_contest, make_design, make_user


@pytest.fixture
def design(ctx):
    make_user("mod", role="staff")
    artist = make_user("lea", email="lea@example.com")
    make_user("ana", email="ana@example.com")
    make_user("troll", email="troll@example.com")
    return make_design(make_contest("submissions"), artist, approve=True)


def post(client, design_id: int, body: str):
    return submit(client, f"/designs/{design_id}/comments", {"body": body}, page=f"/designs/{design_id}")


def test_members_comment_with_sanitised_markdown(app, client, design):
    login(client, "ana", PASSWORD)
    response = post(
        client, design.id, "Love the **colours**!\n\n<script>alert(1)</script>[x](javascript:alert(1))"
    )
    assert response.status_code == 303
    page = app.test_client().get(f"/designs/{design.id}").get_data(as_text=True)
    assert "<strong>colours</strong>" in page
    assert "<script>alert(1)" not in page
    assert "javascript:alert" not in page


def test_empty_or_unverified_comments_are_refused(app, client, design):
    make_user("ghost", email="ghost@example.com", verified=False)
    login(client, "ghost", PASSWORD)
    post(client, design.id, "hello")
    other = app.test_client()
    login(other, "ana", PASSWORD)
    post(other, design.id, "   ")
    with app.app_context():
        assert db.session.query(Comment).count() == 0


def test_report_and_hide_with_a_visible_reason(app, client, design):
    troll = app.test_client()
    login(troll, "troll", PASSWORD)
    post(troll, design.id, "This is garbage and so are you.")
    comment_id = db.session.query(Comment.id).scalar()
    login(client, "ana", PASSWORD)
    assert (
        submit(client, f"/comments/{comment_id}/report", {"reason": "Insulting the artist."}).status_code
        == 303
    )
    again = submit(client, f"/comments/{comment_id}/report", {"reason": "again"})
    assert again.status_code == 303
    with app.app_context():
        assert db.session.query(CommentReport).count() == 1
    staff = app.test_client()
    login(staff, "mod", PASSWORD)
    assert "This is garbage" in staff.get("/staff/comments").get_data(as_text=True)
    submit(
        staff,
        f"/staff/comments/{comment_id}/resolve",
        {"action": "hide", "reason": "Personal attack."},
        page="/staff/comments",
    )
    page = app.test_client().get(f"/designs/{design.id}").get_data(as_text=True)
    assert "This is garbage" not in page
    assert "This comment was hidden by our team: Personal attack." in page
    with app.app_context():
        assert db.session.query(CommentReport).one().status == "hidden"


def test_authors_delete_only_their_own(app, client, design):
    writer = app.test_client()
    login(writer, "ana", PASSWORD)
    post(writer, design.id, "Nice work")
    comment_id = db.session.query(Comment.id).scalar()
    login(client, "troll", PASSWORD)
    assert (
        submit(client, f"/comments/{comment_id}/delete", {}, page=f"/designs/{design.id}").status_code == 404
    )
    assert (
        submit(writer, f"/comments/{comment_id}/delete", {}, page=f"/designs/{design.id}").status_code == 303
    )
    with app.app_context():
        assert db.session.query(Comment).count() == 0
