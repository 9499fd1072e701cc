"""Base form: CSRF from Flask-WTF, and WTForms' own messages in the visitor's language."""

from __future__ import annotations

from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import get_translations


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form: FlaskForm):  # noqa: ANN201 - a gettext translations object
            return get_translations([str(get_locale()), "en"])
