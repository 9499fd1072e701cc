"""The double-entry royalty ledger, payout accounts, payouts and closed-month statement snapshots.

Ledger rows are append-only: a correction is a new transaction. This is enforced below for every
session (no UPDATE or DELETE through the ORM or a Core statement), and on PostgreSQL by triggers too.
Postings are signed minor units (debit positive, credit negative) and every transaction's postings sum
to zero per currency. Creators' accounts are liabilities: their balance is the negated sum of postings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from contest.extensions import db

ACCOUNT_KINDS = (
    "clearing",  # money held at the payment provider for the platform
    "revenue",  # the platform's share of sales
    "prizes",  # prize expense
    "in_transit",  # payouts sent, not yet confirmed
    "creator_pending",  # royalties within the holding period
    "creator_cleared",  # royalties a payout may take
    "creator_held",  # royalties of disputed orders
)
TRANSACTION_KINDS = (
    "sale",
    "refund",
    "hold",
    "release",
    "dispute_lost",
    "clear",
    "prize",
    "prize_reversal",
    "payout",
    "payout_paid",
    "payout_returned",
)


class LedgerAccount(db.Model):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        sa.UniqueConstraint("kind", "creator_id", "currency"),
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in ACCOUNT_KINDS) + ")", name="kind"),
        # Platform accounts have creator 0 (not NULL, so that the unique constraint holds for them too).
        sa.CheckConstraint("(kind LIKE 'creator_%') = (creator_id > 0)", name="creator_matches_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    # No foreign key: the ledger outlives whatever it talks about.
    creator_id: Mapped[int] = mapped_column(index=True, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3))


class LedgerTransaction(db.Model):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in TRANSACTION_KINDS) + ")", name="kind"),
        sa.Index("ix_ledger_transactions_creator_time", "creator_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the transaction records, once: "sale:line:12", "refund:7:line:12", "payout:3:attempt:1"…
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    creator_id: Mapped[int | None]
    currency: Mapped[str] = mapped_column(sa.String(3))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    # References for statements (plain ids, no foreign keys: see LedgerAccount.creator_id).
    order_id: Mapped[int | None]
    order_line_id: Mapped[int | None] = mapped_column(index=True)
    refund_id: Mapped[int | None]
    prize_id: Mapped[int | None]
    payout_id: Mapped[int | None]
    # How a royalty was computed: the basis (net revenue or refunded part) and the rate.
    basis: Mapped[int | None]
    rate_bps: Mapped[int | None]
    memo: Mapped[str] = mapped_column(sa.Text, default="")

    postings: Mapped[list[LedgerPosting]] = relationship(
        back_populates="transaction", order_by="LedgerPosting.id"
    )


class LedgerPosting(db.Model):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.Index("ix_ledger_postings_account", "account_id", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"))
    amount: Mapped[int]  # debit positive, credit negative
    currency: Mapped[str] = mapped_column(sa.String(3))

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship()


class PayoutAccount(db.Model):
    """Where a creator's money goes: a Stripe Connect account, or manual bank transfers by staff."""

    __tablename__ = "payout_accounts"
    __table_args__ = (sa.CheckConstraint("mode IN ('stripe', 'manual')", name="mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    mode: Mapped[str] = mapped_column(sa.String(10))
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    ready: Mapped[bool] = mapped_column(default=False)  # onboarding finished (Stripe) or details given
    manual_details: Mapped[str] = mapped_column(sa.Text, default="")  # e.g. the IBAN's last digits
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


PAYOUT_STATUSES = ("sending", "paid", "failed", "awaiting_manual")


class Payout(db.Model):
    """One payout per creator, period and currency; a failed one is retried by the next run."""

    __tablename__ = "payouts"
    __table_args__ = (
        sa.UniqueConstraint("creator_id", "period", "currency"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in PAYOUT_STATUSES) + ")", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(index=True)
    period: Mapped[str] = mapped_column(sa.String(7))
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount: Mapped[int]
    mode: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(16))
    attempts: Mapped[int] = mapped_column(default=1)
    transfer_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    reference: Mapped[str] = mapped_column(sa.Text, default="")  # manual payouts: the bank reference
    failure: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]


class StatementSnapshot(db.Model):
    """A closed month's statement as it was cut: never changed, checked by its checksum."""

    __tablename__ = "statement_snapshots"
    __table_args__ = (sa.UniqueConstraint("creator_id", "period", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(index=True)
    period: Mapped[str] = mapped_column(sa.String(7))
    currency: Mapped[str] = mapped_column(sa.String(3))
    opening: Mapped[int]
    closing: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    checksum: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]


APPEND_ONLY = (LedgerTransaction, LedgerPosting, StatementSnapshot)
_APPEND_ONLY_TABLES = {model.__tablename__ for model in APPEND_ONLY}


class AppendOnlyViolation(Exception):
    """Someone tried to change or delete a recorded ledger row or statement."""


def _refuse_changes(session: Session, _context: object, _instances: object) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation(f"{type(obj).__name__} rows are append-only: record a correction")


def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _APPEND_ONLY_TABLES:
            raise AppendOnlyViolation(f"{table.name} is append-only: record a correction")


sa.event.listen(Session, "before_flush", _refuse_changes)
sa.event.listen(Session, "do_orm_execute", _refuse_bulk_changes)
