"""Comment forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from contest.core.forms import Form


class CommentForm(Form):
    body = TextAreaField(
        _l("Your critique"),
        validators=[DataRequired(), Length(max=4000)],
        description=_l("Be specific and kind: what works, what could be better. Markdown is allowed."),
    )


class ReportCommentForm(Form):
    reason = TextAreaField(
        _l("What is wrong with this comment?"), validators=[DataRequired(), Length(max=2000)]
    )


class ResolveCommentForm(Form):
    reason = TextAreaField(
        _l("Reason shown in place of the comment"), validators=[Optional(), Length(max=500)]
    )
