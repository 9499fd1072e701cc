"""Full-text search over products (titles, tags, artist names), one function for both databases.

SQLite uses an FTS5 index kept by triggers; PostgreSQL a GIN index on to_tsvector('simple', ...). Both
are created by the migration. Words match as prefixes and all must match ("cat spa" finds "Cats in
space"); accents are ignored on SQLite.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from contest.catalogue.models import Product
from contest.extensions import db

WORD = re.compile(r"\w+", re.UNICODE)


def matching(query: str) -> sa.ColumnElement[bool] | None:
    """A condition on Product for a shopper's search words, or None when there is nothing to search."""
    words = WORD.findall(query.lower())[:8]
    if not words:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        terms = " & ".join(f"{word}:*" for word in words)
        return sa.func.to_tsvector("simple", Product.search_text).op("@@")(
            sa.func.to_tsquery("simple", terms)
        )
    # Each word quoted (no FTS5 syntax can be injected) and used as a prefix.
    expression = " ".join(f'"{word}"*' for word in words)
    fts = sa.table("products_fts", sa.column("rowid"))
    match = sa.text("products_fts MATCH :fts_query").bindparams(fts_query=expression)
    return Product.id.in_(sa.select(fts.c.rowid).where(match))
