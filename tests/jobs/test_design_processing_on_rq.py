"""With Redis configured, uploads only queue the work; a worker makes the renditions."""

from __future__ import annotations

import io
import uuid

from contest.designs.models import Design
from contest.extensions import db
from tests.conftest import login, submit
from tests.factories import PASSWORD, artwork_png, make_contest, make_user


def test_design_shows_processing_until_the_worker_has_run(app, rq_app, run_worker, ctx):
    make_user("lea", email="lea@example.com")
    contest = make_contest("submissions")
    client = app.test_client()
    login(client, "lea", PASSWORD)
    form = {
        "title": "Queued cat",
        "description": "",
        "tags": "",
        "accept_licence": "y",
        "declare_original": "y",
        "licence_version": str(contest.licence_terms.version),
        "submission_key": uuid.uuid4().hex,
        "image": (io.BytesIO(artwork_png(4, (900, 700))), "cat.png"),
    }
    response = submit(client, f"/contests/{contest.slug}/submit", form, content_type="multipart/form-data")
    assert response.status_code == 303
    design_id = db.session.query(Design.id).scalar()
    page = client.get(f"/designs/{design_id}").get_data(as_text=True)
    assert "Processing… your design will appear here in a moment." in page
    assert db.session.get(Design, design_id).status == "processing"

    assert run_worker() is True
    db.session.expire_all()
    design = db.session.get(Design, design_id)
    assert design.status == "pending"
    assert len(design.renditions) == 3
    assert run_worker() is False  # nothing left, and a replay of the job would change nothing
    page = client.get(f"/designs/{design_id}").get_data(as_text=True)
    assert "Waiting for moderation" in page
