"""Every KPI on a small hand-made data set, with the expected numbers worked out here.

Contest A (older) and contest B (the next one):
- A: ana enters two designs (one approved — later the winner — one rejected), bea one approved, cid one
  pending. Entrants 3, designs 4, approval 2 of 3 moderated.
- Votes in A: vic scores ana's and bea's designs, val scores ana's, vera (an account made 10 days before
  voting closed) scores bea's. Voters 3, scores 4; one of vic's scores is excluded: 1 of 4.
- ana's approved design wins A; bob buys 2 pieces of its poster, twice (2 orders); vic buys 1 once.
  Pieces sold 5; winners 1 of 4 designs; sold winners 1 of 1; buyers 2, repeat buyers 1 (bob).
- B: ana enters again; val enters too (so val is a voter who is also an artist); vic scores in B.
  Returning entrants from A: ana, 1 of 3. Returning voters: vic, 1 of 3.
- Voters of A who bought something: vic (1 of 3). Voters who entered a design: val (1 of 3).
  New accounts among A's voters: vera (1 of 3).
- Survey of A: vic 10, val 6, bea 8: promoters 1, detractors 1, NPS 0.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from contest.catalogue.models import ContestWinner, Product
from contest.community import kpis
from contest.community.models import SurveyResponse
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.royalties import services as royalties
from contest.voting.models import Score, ScoreExclusion
from tests.factories import make_contest, make_design, make_paid_order, make_user


def _order(buyer, design, product, quantity, now):  # noqa: ANN001, ANN202 - test helper
    order = make_paid_order(
        now=now,
        unit_price=2000,
        quantity=quantity,
        artist_id=design.artist_id,
        buyer=buyer,
        product_id=product.id,
        design_id=design.id,
        title=design.title,
    )
    royalties.accrue_order(order, now=now)


def _score(voter, design, value, now):  # noqa: ANN001, ANN202 - test helper
    score = Score(
        contest_id=design.contest_id,
        design_id=design.id,
        voter_id=voter.id,
        value=value,
        buy=False,
        cast_at=now,
        updated_at=now,
    )
    db.session.add(score)
    db.session.flush()
    return score


def build(now):  # noqa: ANN001, ANN202 - test helper
    old = now - timedelta(days=400)
    staff = make_user("kpi_staff", role="staff", now=old)
    ana, bea, cid = (make_user(name, now=old) for name in ("ana", "bea", "cid"))
    vic, val, bob = (make_user(name, now=old) for name in ("vic", "val", "bob"))
    contest_a = make_contest("submissions", staff=staff, title="Alpha")
    contest_b = make_contest("submissions", staff=staff, title="Beta")
    a_win = make_design(contest_a, ana, seed=1, approve=True, staff=staff, title="Win")
    a_rej = make_design(contest_a, ana, seed=2)
    b_ok = make_design(contest_a, bea, seed=3, approve=True, staff=staff)
    make_design(contest_a, cid, seed=4)  # stays pending
    make_design(contest_b, ana, seed=5, approve=True, staff=staff)
    make_design(contest_b, val, seed=6)
    with unit_of_work():  # then move both into the past: A closed 26 days ago, B votes until next week
        for contest, days in ((contest_a, 40), (contest_b, 10)):
            row = db.session.get(type(contest), contest.id)
            row.submissions_open_at = now - timedelta(days=days)
            row.submissions_close_at = now - timedelta(days=days - 7)
            row.voting_close_at = now - timedelta(days=days - 14)
    vera = make_user("vera", now=now - timedelta(days=36))  # 10 days old when A's voting closed
    with unit_of_work():
        db.session.get(type(a_rej), a_rej.id).status = "rejected"
        first = _score(vic, a_win, 5, now)
        _score(vic, b_ok, 4, now)
        _score(val, a_win, 3, now)
        _score(vera, b_ok, 4, now)
        _score(
            vic,
            db.session.execute(sa.select(type(a_win)).filter_by(contest_id=contest_b.id)).scalars().first(),
            4,
            now,
        )
        db.session.add(
            ScoreExclusion(
                score_id=first.id,
                contest_id=contest_a.id,
                category="shared_device",
                detail="",
                created_at=now,
            )
        )
        db.session.add(
            ContestWinner(
                contest_id=contest_a.id,
                design_id=a_win.id,
                rank=1,
                status="published",
                publish_at=now,
                published_at=now,
                veto_reason="",
                promotion_error="",
                created_at=now,
            )
        )
        product = Product(
            slug="win-poster",
            design_id=a_win.id,
            contest_id=contest_a.id,
            artist_id=ana.id,
            type_code="poster",
            title="Win",
            search_text="win",
            rank=1,
            margin_bps=5000,
            currency="EUR",
            min_price=2000,
            sales_count=0,
            status="active",
            retired_reason="",
            created_at=now,
            updated_at=now,
        )
        db.session.add(product)
        db.session.flush()
        _order(bob, a_win, product, 2, now)
        _order(bob, a_win, product, 2, now)
        _order(vic, a_win, product, 1, now)
        for member, score in ((vic, 10), (val, 6), (bea, 8)):
            db.session.add(
                SurveyResponse(contest_id=contest_a.id, user_id=member.id, score=score, created_at=now)
            )
    return contest_a, contest_b


def a_win_id(contest) -> int:  # noqa: ANN001 - a Contest
    from contest.designs.models import Design

    return db.session.execute(sa.select(Design.id).filter_by(contest_id=contest.id, title="Win")).scalar_one()


def test_every_kpi_on_a_hand_made_data_set(app, ctx):
    now = utcnow()
    contest_a, contest_b = build(now)
    rows = {row.title: row for row in kpis.contest_kpis(now=now)}
    a = rows["Alpha"]
    assert (a.entrants, a.designs, a.approved, a.moderated) == (3, 4, 2, 3)
    assert a.approval_rate == 2 / 3
    assert (a.voters, a.scores, a.excluded_scores) == (3, 4, 1)
    assert a.excluded_share == 0.25
    assert (a.winners, a.sold_winners, a.pieces_sold, a.revenue) == (1, 1, 5, 10000)
    assert (a.winner_rate, a.sold_rate) == (0.25, 1.0)
    assert a.royalties == 1000  # 10 % of €100.00 of posters
    assert (a.responses, a.promoters, a.detractors, a.nps) == (3, 1, 1, 0.0)
    assert (a.returning_entrants, a.entrant_return) == (1, 1 / 3)
    assert (a.returning_voters, a.voter_return) == (1, 1 / 3)
    assert (a.new_voters, a.buyer_voters, a.artist_voters) == (1, 1, 1)
    b = rows["Beta"]
    assert (b.entrants, b.voters, b.entrant_return, b.nps) == (2, 1, None, None)  # no next contest yet
    assert kpis.repeat_purchase_rate() == (1, 2)
    # Once A's results are out its voters are read from the frozen list: the same figures.
    from contest.community.surveys import freeze_voters
    from contest.voting.models import ContestResult

    with unit_of_work():
        db.session.add(
            ContestResult(
                contest_id=contest_a.id,
                design_id=a_win_id(contest_a),
                rank=1,
                final_score_micro=4_000_000,
                mean_raw_micro=None,
                score_count=2,
                buy_count=0,
                excluded={},
                qualified=True,
                winner=True,
                computed_at=now,
            )
        )
        freeze_voters(contest_a.id)
    again = {row.title: row for row in kpis.contest_kpis(now=now)}["Alpha"]
    assert (again.voters, again.returning_voters, again.new_voters, again.buyer_voters) == (3, 1, 1, 1)
    exported = kpis.as_csv(list(rows.values())).splitlines()
    assert exported[0].startswith("contest_id,title,slug,voting_close_at,entrants,voters")
    assert ",0.6667," in exported[1]  # the approval rate


def test_staff_read_the_dashboard_and_download_it_members_cannot(app, ctx):
    from tests.conftest import login
    from tests.factories import PASSWORD

    build(utcnow())
    staff = app.test_client()
    login(staff, "kpi_staff", PASSWORD)
    page = staff.get("/staff/kpis").get_data(as_text=True)
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="royalty-chart') == 9
    assert "Unique voters" in page
    assert "67%" in page  # Alpha's approval rate
    assert "1 of 2 buyers ordered twice or more" in page
    download = staff.get("/staff/kpis.csv")
    assert download.mimetype == "text/csv"
    assert "Alpha" in download.get_data(as_text=True)
    member = app.test_client()
    login(member, "vic", PASSWORD)
    assert member.get("/staff/kpis").status_code == 403
    assert member.get("/staff/kpis.csv").status_code == 403
