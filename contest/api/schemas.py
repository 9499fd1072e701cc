"""Request and response schemas: the OpenAPI document is generated from these."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import validate

MAX_PER_PAGE = 100


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class MyScoresArgs(PageArgs):
    contest = ma.fields.String(required=True, validate=validate.Length(min=1, max=80))


class PageSchema(ma.Schema):
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)


class PrizeSchema(ma.Schema):
    amount = ma.fields.Integer(required=True, metadata={"description": "In minor units (cents)"})
    currency = ma.fields.String(required=True)


class ContestSummarySchema(ma.Schema):
    slug = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    tagline = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"description": "Stored state"})
    phase = ma.fields.String(required=True, metadata={"description": "Phase now, from the timeline"})
    submissions_open_at = ma.fields.DateTime(required=True)
    submissions_close_at = ma.fields.DateTime(required=True)
    voting_close_at = ma.fields.DateTime(required=True)
    prize = ma.fields.Nested(PrizeSchema, required=True)


class ContestDetailSchema(ContestSummarySchema):
    brief = ma.fields.String(required=True, metadata={"description": "Markdown source"})
    rules = ma.fields.String(required=True, metadata={"description": "Markdown source"})
    royalty_bps = ma.fields.Integer(required=True)
    winners_count = ma.fields.Integer(required=True)
    min_scores = ma.fields.Integer(required=True)
    product_types = ma.fields.List(ma.fields.String(), required=True)


class ContestPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ContestSummarySchema), required=True)


class RenditionSchema(ma.Schema):
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)


class DesignSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    artist = ma.fields.String(required=True, metadata={"description": "The artist's username"})
    tags = ma.fields.List(ma.fields.String(), required=True)
    renditions = ma.fields.List(ma.fields.Nested(RenditionSchema), required=True)


class DesignPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(DesignSchema), required=True)


class ScoreSchema(ma.Schema):
    design_id = ma.fields.Integer(required=True)
    value = ma.fields.Integer(required=True, allow_none=True)
    buy = ma.fields.Boolean(required=True)
    updated_at = ma.fields.DateTime(required=True)


class ScorePageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ScoreSchema), required=True)


class ScoreInSchema(ma.Schema):
    value = ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=5))
    buy = ma.fields.Boolean(truthy={True}, falsy={False})

    @ma.validates_schema
    def not_empty(self, data: dict[str, object], **_kwargs: object) -> None:
        """An empty body would change nothing; say so instead of silently answering 200."""
        if not data:
            raise ma.ValidationError(_("Choose a score from 1 to 5."))


# What the marshmallow schema cannot express: a new score needs a value or the buy mark.
SCORE_IN_CONSTRAINTS = {
    "anyOf": [
        {"required": ["value"]},
        {"required": ["buy"], "properties": {"buy": {"type": "boolean", "enum": [True]}}},
    ]
}


class ResultSchema(ma.Schema):
    rank = ma.fields.Integer(required=True)
    design_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    final_score = ma.fields.Float(required=True)
    score_count = ma.fields.Integer(required=True)
    buy_count = ma.fields.Integer(required=True)
    excluded = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "Scores left out, by integrity category"},
    )
    qualified = ma.fields.Boolean(required=True)
    winner = ma.fields.Boolean(required=True)


class ResultPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ResultSchema), required=True)
