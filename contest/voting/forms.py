"""The scoring form: one request per score, the same with or without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import NumberRange, Optional

from contest.core.forms import Form


class ScoreForm(Form):
    value = IntegerField(_l("Score"), validators=[Optional(), NumberRange(1, 5)])
    buy = BooleanField(_l("I'd buy this"))
    buy_present = HiddenField(default="1")  # tells "unticked" apart from "not part of this form"
    next = HiddenField()
