"""The form to propose an idea."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from contest.core.forms import Form


class IdeaForm(Form):
    title = StringField(_l("Theme"), validators=[DataRequired(), Length(min=4, max=120)])
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(), Length(min=20, max=4000)],
        description=_l("What would artists draw? What would you love to wear or hang on your wall?"),
    )
    images = MultipleFileField(
        _l("Reference images (optional)"), description=_l("Up to 3 images, PNG or JPEG, 5 MB each.")
    )
