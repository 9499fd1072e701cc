"""The settings page's API tokens: create one (shown once), see them, revoke them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from contest.accounts.models import ApiToken
from contest.api import tokens
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.forms import Form
from contest.extensions import db

bp = Blueprint("api_tokens", __name__)


class TokenForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What the token is for, e.g. “my scoring script”."),
    )


@bp.route("/settings/tokens", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    form = TokenForm()
    plaintext = None
    if form.validate_on_submit():
        with unit_of_work():
            _token, plaintext = tokens.create_token(current_user, form.name.data, now=utcnow())
        form = TokenForm(formdata=None)
    rows = (
        db.session.execute(
            sa.select(ApiToken).filter_by(user_id=current_user.id).order_by(ApiToken.created_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "accounts/tokens.html", form=form, rows=rows, plaintext=plaintext, revoke_form=Form()
    ), 400 if form.errors else 200


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    if Form().validate_on_submit():
        try:
            with unit_of_work():
                tokens.revoke_token(current_user, token_id, now=utcnow())
        except DomainError:
            return redirect(url_for("api_tokens.index")), 404
        flash(_("The token is revoked; programs using it can no longer sign in."), "info")
    return redirect(url_for("api_tokens.index"))
