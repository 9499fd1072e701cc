"""Forms for submitting, editing, moderating and reporting designs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional
from wtforms.widgets import HiddenInput

from contest.core.forms import Form


class DesignTextMixin:
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=2000)],
        description=_l("The idea behind your design, in a few sentences."),
    )
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=300)],
        description=_l("Up to 8, separated by commas: cats, retro, botanical…"),
    )


class SubmitDesignForm(DesignTextMixin, Form):
    image = FileField(_l("Design file"), validators=[FileRequired(_l("Choose the file of your design."))])
    accept_licence = BooleanField(_l("I accept the licence terms above."))
    declare_original = BooleanField(_l("This design is my own original work and copies no one else's."))
    licence_version = IntegerField(widget=HiddenInput())
    submission_key = HiddenField()


class EditDesignForm(DesignTextMixin, Form):
    pass


class RejectForm(Form):
    reason = SelectField(_l("Reason"), choices=[])
    note = TextAreaField(_l("Note to the artist"), validators=[Optional(), Length(max=2000)])


class ReportForm(Form):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Your email"), validators=[DataRequired(), Email(), Length(max=320)])
    reason = TextAreaField(_l("What does this design copy?"), validators=[DataRequired(), Length(max=4000)])
    evidence_url = StringField(
        _l("Link to the original work"), validators=[DataRequired(), URL(require_tld=False), Length(max=500)]
    )


class ResolveReportForm(Form):
    action = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Public notice / note"), validators=[Optional(), Length(max=2000)])


class ActionForm(Form):
    pass
