"""Per-design score totals kept by triggers; an index for the gallery's change marker

Revision ID: 5b1f0c2e9a7d
Revises: a6f0d331fa2e
Create Date: 2026-11-22 21:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b1f0c2e9a7d'
down_revision = 'a6f0d331fa2e'
branch_labels = None
depends_on = None

SQLITE = [
    """
    CREATE TRIGGER scores_tally_insert AFTER INSERT ON scores BEGIN
      INSERT INTO design_tallies (design_id, contest_id, score_count, score_sum, buy_count)
      VALUES (NEW.design_id, NEW.contest_id, NEW.value IS NOT NULL, coalesce(NEW.value, 0), NEW.buy)
      ON CONFLICT (design_id) DO UPDATE SET
        score_count = score_count + excluded.score_count,
        score_sum = score_sum + excluded.score_sum,
        buy_count = buy_count + excluded.buy_count;
    END
    """,
    """
    CREATE TRIGGER scores_tally_update AFTER UPDATE OF value, buy ON scores BEGIN
      UPDATE design_tallies SET
        score_count = score_count + (NEW.value IS NOT NULL) - (OLD.value IS NOT NULL),
        score_sum = score_sum + coalesce(NEW.value, 0) - coalesce(OLD.value, 0),
        buy_count = buy_count + NEW.buy - OLD.buy
      WHERE design_id = NEW.design_id;
    END
    """,
    """
    CREATE TRIGGER scores_tally_delete AFTER DELETE ON scores BEGIN
      UPDATE design_tallies SET
        score_count = score_count - (OLD.value IS NOT NULL),
        score_sum = score_sum - coalesce(OLD.value, 0),
        buy_count = buy_count - OLD.buy
      WHERE design_id = OLD.design_id;
    END
    """,
]

POSTGRESQL = [
    """
    CREATE FUNCTION scores_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO design_tallies (design_id, contest_id, score_count, score_sum, buy_count)
        VALUES (NEW.design_id, NEW.contest_id, (NEW.value IS NOT NULL)::int, coalesce(NEW.value, 0),
                NEW.buy::int)
        ON CONFLICT (design_id) DO UPDATE SET
          score_count = design_tallies.score_count + excluded.score_count,
          score_sum = design_tallies.score_sum + excluded.score_sum,
          buy_count = design_tallies.buy_count + excluded.buy_count;
      ELSIF TG_OP = 'UPDATE' THEN
        UPDATE design_tallies SET
          score_count = score_count + (NEW.value IS NOT NULL)::int - (OLD.value IS NOT NULL)::int,
          score_sum = score_sum + coalesce(NEW.value, 0) - coalesce(OLD.value, 0),
          buy_count = buy_count + NEW.buy::int - OLD.buy::int
        WHERE design_id = NEW.design_id;
      ELSE
        UPDATE design_tallies SET
          score_count = score_count - (OLD.value IS NOT NULL)::int,
          score_sum = score_sum - coalesce(OLD.value, 0),
          buy_count = buy_count - OLD.buy::int
        WHERE design_id = OLD.design_id;
      END IF;
      RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER scores_tally AFTER INSERT OR DELETE OR UPDATE OF value, buy ON scores
    FOR EACH ROW EXECUTE FUNCTION scores_tally()
    """,
]


def upgrade():
    statements = POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE
    for statement in statements:
        op.execute(statement)
    op.create_index('ix_designs_contest_updated', 'designs', ['contest_id', 'updated_at'], unique=False)
    # Totals change with every score: keep them out of indexes so updates stay in place (HOT).
    op.drop_index('ix_design_tallies_contest', table_name='design_tallies')
    op.create_index('ix_design_tallies_contest', 'design_tallies', ['contest_id'], unique=False)


def downgrade():
    op.drop_index('ix_design_tallies_contest', table_name='design_tallies')
    op.create_index('ix_design_tallies_contest', 'design_tallies', ['contest_id', 'score_sum'], unique=False)
    op.drop_index('ix_designs_contest_updated', table_name='designs')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER scores_tally ON scores")
        op.execute("DROP FUNCTION scores_tally()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER scores_tally_{name}")
