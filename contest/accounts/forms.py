"""Account forms; CSRF comes with FlaskForm."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from contest.core.forms import Form


class RegisterForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=320)])
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=30)],
        description=_l("Shown on your profile and your designs. Letters, digits, - and _."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("At least 10 characters."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords differ."))],
    )


class LoginForm(Form):
    login = StringField(_l("Email or username"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=320)])


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords differ."))],
    )


class ProfileForm(Form):
    display_name = StringField(_l("Display name"), validators=[Length(max=80)])
    bio = TextAreaField(_l("About you"), validators=[Length(max=2000)])
    links = TextAreaField(
        _l("Links"),
        validators=[Length(max=2000)],
        description=_l("One web address per line: portfolio, shop, social profiles (up to 5)."),
    )
    avatar = FileField(_l("Avatar"), description=_l("PNG or JPEG, up to 5 MB. It is cropped to a square."))
    remove_avatar = BooleanField(_l("Remove my avatar"))


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords differ."))],
    )


class ResendVerificationForm(Form):
    pass


class LogoutForm(Form):
    pass
