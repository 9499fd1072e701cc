"""Account pages: thin views over accounts.services."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from contest.accounts import services
from contest.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResendVerificationForm,
    ResetPasswordForm,
)
from contest.accounts.models import User
from contest.accounts.tokens import ExpiredToken, InvalidToken
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.images import ImageRejected
from contest.core.security import safe_next
from contest.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _attach(form, error: DomainError) -> None:  # noqa: ANN001 - any FlaskForm
    """Show a service error next to the field it concerns, or at the top of the form."""
    field = error.details.get("field")
    if field and hasattr(form, str(field)):
        getattr(form, str(field)).errors = [*getattr(form, str(field)).errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = services.register_user(
                    form.email.data,
                    form.username.data,
                    form.password.data,
                    now=utcnow(),
                    locale=str(get_locale()),
                )
        except DomainError as error:
            _attach(form, error)
        else:
            login_user(user)
            flash(
                _(
                    "Welcome to Atelier! We sent a link to %(email)s to confirm your address.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("core.home"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data, url_for("core.home")))
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = services.authenticate(form.login.data, form.password.data, now=utcnow())
        except services.InvalidCredentials as error:
            form.form_errors.append(error.message)
            return render_template("accounts/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        flash(_("Welcome back, %(name)s.", name=user.name), "success")
        return redirect(safe_next(form.next.data, url_for("core.home")))
    status = 400 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if LogoutForm().validate_on_submit() and current_user.is_authenticated:
        logout_user()
        flash(_("You are logged out. See you soon!"), "info")
    return redirect(url_for("core.home"))


@bp.get("/verify/<token>")
def verify(token: str) -> ResponseReturnValue:
    try:
        with unit_of_work():
            services.verify_email(token, now=utcnow())
    except (InvalidToken, ExpiredToken) as error:
        return render_template("accounts/token_error.html", message=error.message), 400
    flash(_("Thank you, your email address is confirmed."), "success")
    return redirect(url_for("core.home"))


@bp.post("/verify/resend")
@login_required
@limiter.limit("3 per hour", key_func=lambda: f"resend:{current_user.get_id()}")
def resend_verification() -> ResponseReturnValue:
    if ResendVerificationForm().validate_on_submit() and not current_user.is_verified:
        with unit_of_work():
            services.send_verification(current_user, now=utcnow())
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "info")
    return redirect(safe_next(request.form.get("next"), url_for("accounts.settings")))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():
            services.request_password_reset(form.email.data, now=utcnow())
        flash(_("If an account uses that address, a reset link is on its way."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    try:
        services.user_for_reset_token(token)
    except (InvalidToken, ExpiredToken) as error:
        return render_template("accounts/token_error.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.reset_password(token, form.password.data, now=utcnow())
        except DomainError as error:
            form.password.errors = [*form.password.errors, error.message]
        else:
            logout_user()
            flash(_("Your password is changed. You can log in with it now."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 400 if form.errors else 200


@bp.get("/u/<username>")
def profile(username: str) -> ResponseReturnValue:
    user = db.session.execute(db.select(User).filter_by(username_key=username.lower())).scalar_one_or_none()
    if user is None or not user.active:
        abort(404)
    if user.username != username:
        return redirect(url_for("accounts.profile", username=user.username), 301)
    from contest.catalogue.services import artist_products
    from contest.community import recognition
    from contest.community import services as community
    from contest.designs.forms import ActionForm

    return render_template(
        "accounts/profile.html",
        profile=user,
        products=artist_products(user.id),
        followers=community.follower_count(user.id),
        is_following=current_user.is_authenticated and community.is_following(current_user.id, user.id),
        follow_form=ActionForm(),
        honours=recognition.recognition(user.id, now=utcnow()),
        badge_labels=recognition.BADGE_LABELS,
        badge_hints=recognition.BADGE_HINTS,
    )


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    user = current_user._get_current_object()
    form = ProfileForm(obj=None if request.method == "POST" else user)
    if request.method == "GET":
        form.links.data = "\n".join(user.links or [])
    password_form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        upload = form.avatar.data
        try:
            with unit_of_work():
                services.update_profile(
                    user,
                    display_name=form.display_name.data or "",
                    bio=form.bio.data or "",
                    links=form.links.data or "",
                    avatar=upload.read() if upload else None,
                    remove_avatar=form.remove_avatar.data,
                    now=utcnow(),
                )
        except (DomainError, ImageRejected) as error:
            field = error.details.get("field") or "avatar"
            getattr(form, field).errors = [*getattr(form, field).errors, error.message]
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.settings"))
    status = 400 if form.errors else 200
    return render_template(
        "accounts/settings.html", form=form, password_form=password_form, resend_form=ResendVerificationForm()
    ), status


@bp.post("/settings/password")
@login_required
def change_password() -> ResponseReturnValue:
    password_form = PasswordChangeForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            with unit_of_work():
                services.change_password(
                    current_user,
                    password_form.current_password.data,
                    password_form.password.data,
                    now=utcnow(),
                )
        except DomainError as error:
            _attach(password_form, error)
        else:
            flash(_("Your password is changed."), "success")
            return redirect(url_for("accounts.settings"))
    form = ProfileForm(obj=current_user)
    form.links.data = "\n".join(current_user.links or [])
    return render_template(
        "accounts/settings.html", form=form, password_form=password_form, resend_form=ResendVerificationForm()
    ), 400
