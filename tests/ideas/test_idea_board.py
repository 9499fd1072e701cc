"""The idea board: propose with references, support once, comment; staff answer every idea publicly."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.ideas.models import Idea, IdeaImage, IdeaSupport
from contest.notifications.models import Notification
from contest.storage.models import StoredFile
from tests.conftest import login, submit
from tests.factories import PASSWORD, image_bytes, make_contest, make_user


@pytest.fixture
def people(app, ctx):
    return {
        "ines": make_user("ines"),
        "paul": make_user("paul"),
        "newbie": make_user("newbie", verified=False),
        "staff": make_user("mod", role="staff"),
    }


def client_for(app, name):
    client = app.test_client()
    login(client, name, PASSWORD)
    return client


def propose(client, **fields):
    data = {
        "title": "Birds of the night",
        "description": "Owls, nightjars and bats: moonlit linework.",
        **fields,
    }
    return submit(client, "/ideas/new", data, content_type="multipart/form-data")


def only_idea() -> Idea:
    db.session.expire_all()
    return db.session.execute(sa.select(Idea)).scalar_one()


def test_a_member_proposes_a_theme_with_reference_images(app, people):
    ines = client_for(app, "ines")
    response = propose(
        ines, images=[(io.BytesIO(image_bytes()), "a.png"), (io.BytesIO(image_bytes(fmt="JPEG")), "b.jpg")]
    )
    page = ines.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you! Your idea is on the board" in page
    assert "Birds of the night" in page
    idea = only_idea()
    assert (idea.status, idea.support_count, len(idea.images)) == ("open", 0, 2)
    assert all(image.file.content_type == "image/webp" for image in idea.images)
    assert page.count('class="idea-images"') == 1
    assert "Birds of the night" in app.test_client().get("/ideas").get_data(as_text=True)  # public


def test_bad_input_changes_nothing(app, people):
    ines = client_for(app, "ines")
    fake = propose(ines, images=[(io.BytesIO(b"not an image at all"), "x.png")])
    assert fake.status_code == 200
    short = propose(ines, title="Hi")
    assert short.status_code == 200
    assert db.session.execute(sa.select(sa.func.count(Idea.id))).scalar_one() == 0
    assert db.session.execute(sa.select(sa.func.count(StoredFile.id))).scalar_one() == 0
    newbie = client_for(app, "newbie")
    response = propose(newbie)
    assert "Confirm your email address first." in response.get_data(as_text=True)


def test_one_support_each_and_never_ones_own(app, people):
    propose(client_for(app, "ines"))
    idea = only_idea()
    paul = client_for(app, "paul")
    page = f"/ideas/{idea.id}"
    submit(paul, f"{page}/support", {}, page=page)
    submit(paul, f"{page}/support", {}, page=page)  # a double click
    assert only_idea().support_count == 1
    assert db.session.execute(sa.select(sa.func.count(IdeaSupport.id))).scalar_one() == 1
    assert "1 member supports this idea" in paul.get(page).get_data(as_text=True)
    ines = client_for(app, "ines")
    refused = submit(ines, f"{page}/support", {}, page="/ideas/new")
    assert "This is your own idea" in ines.get(refused.headers["Location"]).get_data(as_text=True)
    submit(paul, f"{page}/unsupport", {}, page=page)
    assert only_idea().support_count == 0
    submit(paul, f"{page}/comments", {"body": "Yes please, **owls**!"}, page=page)
    assert "<strong>owls</strong>" in app.test_client().get(page).get_data(as_text=True)


def test_staff_decline_with_a_public_reason_once(app, people):
    propose(client_for(app, "ines"))
    idea = only_idea()
    page = f"/ideas/{idea.id}"
    member = client_for(app, "paul")
    assert (
        submit(member, f"{page}/answer", {"decision": "decline", "reason": "x"}, page=page).status_code == 403
    )
    staff = client_for(app, "mod")
    empty = submit(staff, f"{page}/answer", {"decision": "decline", "reason": " "}, page=page)
    assert "Give the reason" in staff.get(empty.headers["Location"]).get_data(as_text=True)
    submit(
        staff, f"{page}/answer", {"decision": "decline", "reason": "We ran a night theme in May."}, page=page
    )
    public = app.test_client().get(page).get_data(as_text=True)
    assert "Declined." in public
    assert "We ran a night theme in May." in public
    again = submit(staff, f"{page}/answer", {"decision": "accept", "reason": "ok"}, page="/ideas")
    assert "already answered" in staff.get(again.headers["Location"]).get_data(as_text=True)
    (note,) = db.session.execute(sa.select(Notification).filter_by(kind="idea_declined")).scalars()
    assert note.user_id == people["ines"].id
    assert "Birds of the night" not in app.test_client().get("/ideas?status=open").get_data(as_text=True)


def test_an_accepted_idea_becomes_a_contest_that_credits_its_proposer(app, people):
    propose(client_for(app, "ines"))
    idea = only_idea()
    contest = make_contest("scheduled", title="Night Flight")
    page = f"/ideas/{idea.id}"
    staff = client_for(app, "mod")
    missing = submit(staff, f"{page}/answer", {"decision": "accept", "reason": "Lovely"}, page=page)
    assert "Choose the contest" in staff.get(missing.headers["Location"]).get_data(as_text=True)
    submit(
        staff, f"{page}/answer", {"decision": "accept", "reason": "Lovely", "contest": contest.id}, page=page
    )
    assert "Accepted: this idea became the contest" in app.test_client().get(page).get_data(as_text=True)
    contest_page = app.test_client().get(f"/contests/{contest.slug}").get_data(as_text=True)
    assert "Theme proposed by" in contest_page
    assert f'href="/ideas/{idea.id}"' in contest_page
    assert db.session.execute(sa.select(Notification).filter_by(kind="idea_accepted")).scalar_one()
    sitemap = app.test_client().get("/sitemap.xml").get_data(as_text=True)
    assert "/ideas</loc>" in sitemap
    assert f"/ideas/{idea.id}</loc>" in sitemap
    assert db.session.execute(sa.select(sa.func.count(IdeaImage.id))).scalar_one() == 0
