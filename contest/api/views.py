"""The /api/v1 endpoints: thin wrappers over the same services as the site."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, g, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contest.accounts.models import User
from contest.api import errors, schemas, tokens
from contest.contests.models import Contest
from contest.contests.services import get_by_slug, public_contests
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError, NotFound
from contest.designs.models import Design
from contest.designs.services import gallery_query, guest_seed, member_seed
from contest.extensions import csrf, db
from contest.storage.services import public_url
from contest.voting import services as voting
from contest.voting.models import Score
from contest.voting.results import results_for
from contest.voting.views import request_context as vote_context

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Atelier public API, version 1")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2**31 - 1  # larger ids cannot exist, and would overflow the database's integer
BEARER = [{"bearerAuth": []}, {"cookieAuth": []}]
ERROR = errors.ErrorSchema


def unknown_api_path(rest: str) -> Response:
    """Mistyped API URLs (or methods) get the JSON error shape too, not the site's HTML page."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = set()
    for method in ("GET", "PUT", "DELETE", "POST", "PATCH"):
        try:
            endpoint, _values = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != "api_not_found":
            allowed.add(method)
    if allowed:
        response = errors.error_response(405, "method_not_allowed", errors.http_message(405))
        response.headers["Allow"] = ", ".join(sorted(allowed | ({"HEAD"} if "GET" in allowed else set())))
        return response
    return errors.error_response(404, "not_found", errors.http_message(404))


@bp.before_request
def authenticate() -> ResponseReturnValue | None:
    """A bearer token authenticates this request only; a cookie session must prove CSRF on writes."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _sep, token = header.partition(" ")
        user = tokens.user_for_token(token.strip(), now=utcnow()) if scheme.lower() == "bearer" else None
        if user is None:
            return errors.error_response(401, "invalid_token", errors.not_signed_in())
        g._login_user = user  # what flask_login.current_user reads; the session is never touched
        g.api_token_auth = True
        return None
    if request.method not in SAFE_METHODS:
        if not current_user.is_authenticated:
            return errors.error_response(401, "unauthorized", errors.not_signed_in())
        try:
            csrf.protect()
        except CSRFError:
            return errors.csrf_failed()
    return None


@bp.after_request
def no_session_for_tokens(response: Response) -> Response:
    """Token clients get no session cookie: nothing a token request does may start a session."""
    if g.get("api_token_auth"):
        session.modified = False
    return response


bp.register_error_handler(DomainError, errors.handle_domain)
bp.register_error_handler(CSRFError, errors.handle_csrf)
bp.register_error_handler(HTTPException, errors.handle_http)
bp.register_error_handler(Exception, errors.handle_unexpected)


def _require_user() -> User:
    """The member behind the session or token; anonymous callers get a 401."""
    if not current_user.is_authenticated:
        raise Unauthenticated
    return current_user._get_current_object()  # type: ignore[no-any-return]


class Unauthenticated(HTTPException):
    code = 401


def _visible_contest(slug: str) -> Contest:
    """Published contests only; odd slugs (too long, NUL bytes) are simply not found."""
    contest = get_by_slug(slug) if len(slug) <= 80 and "\x00" not in slug else None
    if contest is None or contest.state == "draft":
        raise NotFound(errors.http_message(404))
    return contest


def _page(items: list[Any], total: int, args: dict[str, int]) -> dict[str, Any]:
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


def _offset(args: dict[str, int]) -> int:
    return (args["page"] - 1) * args["per_page"]


def _contest_summary(contest: Contest, now: Any) -> dict[str, Any]:
    return {
        "slug": contest.slug,
        "title": contest.title,
        "tagline": contest.tagline,
        "state": contest.state,
        "phase": contest.phase(now),
        "submissions_open_at": contest.submissions_open_at,
        "submissions_close_at": contest.submissions_close_at,
        "voting_close_at": contest.voting_close_at,
        "prize": {"amount": contest.prize_amount, "currency": contest.prize_currency},
    }


@bp.get("/contests")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, schemas.ContestPageSchema)
def list_contests(args: dict[str, int]) -> dict[str, Any]:
    """Published contests: open for entries, in voting, upcoming, then past."""
    now = utcnow()
    groups = public_contests(now)
    contests = [c for key in ("submissions", "voting", "scheduled", "past") for c in groups[key]]
    start = _offset(args)
    items = [_contest_summary(c, now) for c in contests[start : start + args["per_page"]]]
    return _page(items, len(contests), args)


@bp.get("/contests/<slug>")
@bp.response(200, schemas.ContestDetailSchema)
@bp.alt_response(404, schema=ERROR, description="No published contest with this slug")
def contest_detail(slug: str) -> dict[str, Any]:
    """One published contest with its brief and terms."""
    contest = _visible_contest(slug)
    return {
        **_contest_summary(contest, utcnow()),
        "brief": contest.brief,
        "rules": contest.rules,
        "royalty_bps": contest.royalty_bps,
        "winners_count": contest.winners_count,
        "min_scores": contest.min_scores,
        "product_types": list(contest.product_types),
    }


def _design_item(design: Design) -> dict[str, Any]:
    return {
        "id": design.id,
        "title": design.title,
        "artist": design.artist.username,
        "tags": list(design.tags),
        "renditions": [
            {"width": r.width, "height": r.height, "url": public_url(r.file)} for r in design.renditions
        ],
    }


@bp.get("/contests/<slug>/designs")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, schemas.DesignPageSchema)
@bp.alt_response(404, schema=ERROR, description="No published contest with this slug")
def contest_designs(args: dict[str, int], slug: str) -> dict[str, Any]:
    """Approved designs in this viewer's gallery order; never any scores or counts."""
    contest = _visible_contest(slug)
    user_id = current_user.id if current_user.is_authenticated else None
    seed = member_seed(user_id, contest.id) if user_id is not None else guest_seed(0, contest.id)
    query = gallery_query(contest, now=utcnow(), seed=seed)
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    designs = db.session.execute(query.offset(_offset(args)).limit(args["per_page"])).scalars().all()
    return _page([_design_item(d) for d in designs], total, args)


def _score_item(score: Score) -> dict[str, Any]:
    return {
        "design_id": score.design_id,
        "value": score.value,
        "buy": score.buy,
        "updated_at": score.updated_at,
    }


@bp.get("/me/scores")
@bp.arguments(schemas.MyScoresArgs, location="query")
@bp.response(200, schemas.ScorePageSchema)
@bp.alt_response(401, schema=ERROR, description="Not signed in, or invalid token")
@bp.alt_response(404, schema=ERROR, description="No published contest with this slug")
@bp.doc(security=BEARER)
def my_scores(args: dict[str, Any]) -> dict[str, Any]:
    """The signed-in member's own scores in one contest."""
    user = _require_user()
    contest = _visible_contest(args["contest"])
    where = sa.and_(Score.contest_id == contest.id, Score.voter_id == user.id)
    total = db.session.execute(sa.select(sa.func.count(Score.id)).where(where)).scalar_one()
    rows = db.session.execute(
        sa.select(Score).where(where).order_by(Score.design_id).offset(_offset(args)).limit(args["per_page"])
    ).scalars()
    return _page([_score_item(s) for s in rows], total, args)


def _design_or_404(design_id: int) -> Design:
    design = db.session.get(Design, design_id) if 0 < design_id <= MAX_ID else None
    if design is None:
        raise NotFound(_("This design is not in the gallery."))
    return design


SCORE_ERRORS = (
    (400, "CSRF token missing (cookie session without X-CSRFToken)"),
    (401, "Not signed in, or invalid token"),
    (403, "Own design (self_scoring) or account not eligible (not_eligible)"),
    (404, "No such design in a gallery"),
    (409, "Voting is not open (voting_closed)"),
)


def _document_errors(view: Any, codes: tuple[tuple[int, str], ...]) -> Any:
    for status, description in codes:
        view = bp.alt_response(status, schema=ERROR, description=description)(view)
    return view


@bp.put("/designs/<int:design_id>/score")
@bp.arguments(schemas.ScoreInSchema)
@bp.response(200, schemas.ScoreSchema)
@bp.alt_response(422, schema=ERROR, description="Invalid body (validation_error) or score (invalid_score)")
@bp.doc(security=BEARER)
def put_score(body: dict[str, Any], design_id: int) -> dict[str, Any]:
    """Set the score and/or buy mark; sending the same body twice leaves the same state."""
    user = _require_user()
    context = vote_context()  # the same network/device signals the site records, for integrity checks
    with unit_of_work():
        design = _design_or_404(design_id)
        voting.cast_score(
            user, design, value=body.get("value"), buy=body.get("buy"), now=utcnow(), context=context
        )
        item = _score_item(voting.my_score(user.id, design.id))
    return item


put_score = _document_errors(put_score, SCORE_ERRORS)


@bp.delete("/designs/<int:design_id>/score")
@bp.response(204)
@bp.doc(security=BEARER)
def delete_score(design_id: int) -> None:
    """Take back the score and buy mark while voting is open; 404 if there was none."""
    user = _require_user()
    with unit_of_work():
        design = _design_or_404(design_id)
        if not voting.remove_score(user, design, now=utcnow()):
            raise NotFound(errors.http_message(404))


delete_score = _document_errors(delete_score, SCORE_ERRORS)


@bp.get("/contests/<slug>/results")
@bp.arguments(schemas.PageArgs, location="query")
@bp.response(200, schemas.ResultPageSchema)
@bp.alt_response(404, schema=ERROR, description="No such contest, or results not published yet")
def contest_results(args: dict[str, int], slug: str) -> dict[str, Any]:
    """The frozen, published ranking; 404 until the results are published."""
    contest = _visible_contest(slug)
    if contest.state != "results":
        raise NotFound(errors.http_message(404))
    rows = results_for(contest.id)
    page = rows[_offset(args) : _offset(args) + args["per_page"]]
    titles = dict(
        db.session.execute(
            sa.select(Design.id, Design.title).where(Design.id.in_([r.design_id for r in page]))
        ).all()
    )
    items = [
        {
            "rank": r.rank,
            "design_id": r.design_id,
            "title": titles.get(r.design_id, ""),
            "final_score": r.final_score,
            "score_count": r.score_count,
            "buy_count": r.buy_count,
            "excluded": dict(r.excluded),
            "qualified": r.qualified,
            "winner": r.winner,
        }
        for r in page
    ]
    return _page(items, len(rows), args)
