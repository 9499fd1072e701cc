"""The shop: catalogue, product pages, winners pages, and staff decisions on winners."""

from __future__ import annotations

from decimal import InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from contest.catalogue import services
from contest.catalogue.models import ContestWinner, Product
from contest.catalogue.types import APPAREL_COLOURS, COLOUR_LABELS, PRODUCT_TYPES
from contest.contests.forms import from_minor_units, to_minor_units
from contest.contests.models import Contest
from contest.contests.services import get_by_slug
from contest.core.auth import staff_required
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.designs.forms import ActionForm
from contest.extensions import db

bp = Blueprint("catalogue", __name__)
PAGE_SIZE = 24


@bp.get("/shop")
def index() -> ResponseReturnValue:
    args = request.args
    sort = args.get("sort", "newest")
    filters = {
        "type_code": args.get("type") or None,
        "contest_slug": args.get("contest") or None,
        "artist": args.get("artist") or None,
        "colour": args.get("colour") if args.get("colour") in APPAREL_COLOURS else None,
        "query": args.get("q", "")[:100],
        "sort": sort if sort in services.SORTS else "newest",
    }
    page = db.paginate(services.catalogue_query(**filters), per_page=PAGE_SIZE, error_out=False)
    contests = db.session.execute(
        db.select(Contest).where(Contest.state == "results").order_by(Contest.voting_close_at.desc())
    ).scalars()
    return render_template(
        "catalogue/index.html",
        page=page,
        filters=filters,
        types=list(PRODUCT_TYPES),
        colours=COLOUR_LABELS,
        contests=list(contests),
        sorts=services.SORTS,
    )


@bp.get("/shop/<slug>")
def product(slug: str) -> ResponseReturnValue:
    item = services.product_by_slug(slug)
    if item is None:
        abort(404)
    product_type = PRODUCT_TYPES[item.type_code]
    variants = [v for v in item.variants if v.available]
    colour = request.args.get("colour") if request.args.get("colour") in product_type.colours else None
    colour = colour or next(iter(product_type.colours))
    size = request.args.get("size")
    chosen = next((v for v in variants if v.colour == colour and v.size == size), None)
    return render_template(
        "catalogue/product.html",
        product=item,
        product_type=product_type,
        variants=variants,
        colour=colour,
        chosen=chosen,
        colours=COLOUR_LABELS,
        siblings=services.siblings(item),
    ), (200 if item.is_active else 410)


@bp.get("/contests/<slug>/winners")
def winners(slug: str) -> ResponseReturnValue:
    contest = get_by_slug(slug)
    if contest is None or contest.state != "results":
        abort(404)
    rows = services.winners_of(contest.id)
    products = services.products_by_design([w.design_id for w in rows if w.status == "published"])
    return render_template("catalogue/winners.html", contest=contest, winners=rows, products=products)


@bp.get("/staff/contests/<int:contest_id>/winners")
@staff_required
def staff_winners(contest_id: int) -> ResponseReturnValue:
    contest = db.get_or_404(Contest, contest_id)
    rows = services.winners_of(contest.id, include_held=True)
    return render_template(
        "catalogue/staff_winners.html",
        contest=contest,
        winners=rows,
        products=services.products_by_design([w.design_id for w in rows], include_retired=True),
        form=ActionForm(),
    )


@bp.post("/staff/winners/<int:winner_id>/<any(confirm, veto):action>")
@staff_required
def decide(winner_id: int, action: str) -> ResponseReturnValue:
    winner = db.get_or_404(ContestWinner, winner_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                if action == "confirm":
                    services.confirm_winner(current_user, winner, now=utcnow())
                else:
                    successor = services.veto_winner(
                        current_user, winner, reason=request.form.get("reason", ""), now=utcnow()
                    )
        except DomainError as error:
            flash(error.message, "error")
        else:
            if action == "confirm":
                flash(_("Confirmed: the design goes on sale within a minute."), "success")
            elif successor is not None:
                flash(
                    _(
                        "Vetoed. The next qualified design, ranked #%(rank)s, takes the place.",
                        rank=successor.rank,
                    ),
                    "info",
                )
            else:
                flash(_("Vetoed. No other qualified design is left to take the place."), "info")
    return redirect(url_for("catalogue.staff_winners", contest_id=winner.contest_id), 303)


@bp.route("/staff/products/<int:product_id>", methods=["GET", "POST"])
@staff_required
def staff_product(product_id: int) -> ResponseReturnValue:
    item = db.get_or_404(Product, product_id)
    form = ActionForm()
    errors: list[str] = []
    if form.validate_on_submit():
        prices: dict[int, int] = {}
        for variant in item.variants:
            raw = request.form.get(f"price-{variant.id}", "")
            try:
                prices[variant.id] = to_minor_units(raw, variant.currency)
            except (InvalidOperation, ValueError):
                errors.append(_("“%(value)s” is not a price.", value=raw))
        available = {v.id for v in item.variants if request.form.get(f"available-{v.id}")}
        if not errors:
            try:
                with unit_of_work():
                    services.update_product(
                        current_user,
                        item,
                        prices=prices,
                        available=available,
                        active=bool(request.form.get("active")),
                        reason=request.form.get("reason", ""),
                        now=utcnow(),
                    )
            except DomainError as error:
                db.session.rollback()
                errors.append(error.message)
            else:
                flash(_("Product saved."), "success")
                return redirect(url_for("catalogue.staff_product", product_id=item.id), 303)
    return render_template(
        "catalogue/staff_product.html",
        product=item,
        form=form,
        errors=errors,
        from_minor_units=from_minor_units,
        colours=COLOUR_LABELS,
    ), (400 if errors else 200)
