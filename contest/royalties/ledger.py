"""Posting to the ledger: balanced transactions, each recorded once under its key, never changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from contest.core.db import insert_ignore, insert_returning_key
from contest.extensions import db
from contest.royalties.models import LedgerAccount, LedgerPosting, LedgerTransaction

CREATOR_KINDS = ("creator_pending", "creator_cleared", "creator_held")


class LedgerError(Exception):
    """A transaction that does not balance."""


Entry = tuple[str, int | None, int]  # (account kind, creator id or None, signed amount)


def account_id(kind: str, currency: str, creator_id: int | None = None) -> int:
    """The account's id, created on first use (concurrent first uses make one row).

    Ids are remembered for the session (accounts are never deleted), and forgotten on rollback, when
    an account created in the rolled-back transaction is gone."""
    creator_id = creator_id or 0
    cache: dict[tuple[str, str, int], int] = db.session.info.setdefault(_CACHE, {})
    key = (kind, currency, creator_id)
    if key not in cache:
        query = sa.select(LedgerAccount.id).filter_by(kind=kind, currency=currency, creator_id=creator_id)
        found = db.session.execute(query).scalar_one_or_none()
        if found is None:
            insert_ignore(LedgerAccount, kind=kind, currency=currency, creator_id=creator_id)
            found = db.session.execute(query).scalar_one()
        cache[key] = found
    return cache[key]


_CACHE = "ledger_account_ids"


@sa.event.listens_for(Session, "after_rollback")
def _forget_accounts(session: Session) -> None:
    session.info.pop(_CACHE, None)


def post(
    key: str,
    kind: str,
    *,
    currency: str,
    at: datetime,
    entries: Iterable[Entry],
    creator_id: int | None = None,
    memo: str = "",
    **refs: int | None,
) -> int | None:
    """Record a balanced transaction under ``key``; None if that key was already recorded.

    Zero entries are dropped; a transaction may be left with no postings (e.g. "nothing left to clear"),
    which still marks its key as done."""
    lines = [(account, creator, amount) for account, creator, amount in entries if amount]
    if sum(amount for _a, _c, amount in lines) != 0:
        raise LedgerError(f"transaction {key} does not balance: {lines}")
    tx_id = insert_returning_key(
        LedgerTransaction,
        key=key,
        kind=kind,
        creator_id=creator_id,
        currency=currency,
        occurred_at=at,
        memo=memo,
        **refs,
    )
    if tx_id is None:
        return None
    if lines:
        db.session.execute(
            sa.insert(LedgerPosting),
            [
                {
                    "transaction_id": tx_id,
                    "account_id": account_id(account, currency, creator),
                    "amount": amount,
                    "currency": currency,
                }
                for account, creator, amount in lines
            ],
        )
    return tx_id


def recorded(key: str) -> bool:
    return db.session.execute(sa.select(LedgerTransaction.id).filter_by(key=key)).first() is not None


def creator_balances(creator_id: int, currency: str, *, before: datetime | None = None) -> dict[str, int]:
    """What the platform owes the creator, per account kind (pending, cleared, held)."""
    query = (
        sa.select(LedgerAccount.kind, sa.func.coalesce(sa.func.sum(LedgerPosting.amount), 0))
        .join(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
        .where(LedgerAccount.creator_id == creator_id, LedgerAccount.currency == currency)
        .group_by(LedgerAccount.kind)
    )
    if before is not None:
        query = query.join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id).where(
            LedgerTransaction.occurred_at < before
        )
    balances = dict.fromkeys(CREATOR_KINDS, 0)
    for kind, total in db.session.execute(query).all():
        balances[kind] = -int(total)
    return balances
