"""Payout accounts and payout runs: cleared money to creators, once per creator and period.

A run claims each creator's payout row (unique per creator, period and currency) and moves the amount
to "in transit" in the same commit, before any money moves; only then is the transfer asked for, with
an idempotency key naming the creator, the period and the attempt. A second run, or two at once, finds
the row taken and pays nobody twice. A refused transfer returns the money to the creator's cleared
balance and is tried again, as a new attempt, by the next run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.core.db import insert_ignore, unit_of_work
from contest.core.errors import DomainError, PermissionDenied
from contest.extensions import db
from contest.payments.gateway import PaymentError, PaymentGateway
from contest.royalties import ledger
from contest.royalties.models import LedgerAccount, LedgerPosting, Payout, PayoutAccount


@dataclass
class RunReport:
    paid: list[tuple[int, int]] = field(default_factory=list)  # (creator id, amount)
    awaiting_manual: list[tuple[int, int]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    skipped: int = 0  # already paid this period, or being paid by another run
    no_account: list[int] = field(default_factory=list)


def cleared_balances(currency: str, threshold: int) -> list[tuple[int, int]]:
    """(creator id, cleared balance) for every creator at or above the threshold."""
    total = -sa.func.sum(LedgerPosting.amount)
    return [
        (int(creator), int(amount))
        for creator, amount in db.session.execute(
            sa.select(LedgerAccount.creator_id, total)
            .join(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
            .where(LedgerAccount.kind == "creator_cleared", LedgerAccount.currency == currency)
            .group_by(LedgerAccount.creator_id)
            .having(total >= threshold)
            .order_by(LedgerAccount.creator_id)
        ).all()
    ]


def _claim(
    creator_id: int, period: str, currency: str, amount: int, mode: str, *, now: datetime
) -> Payout | None:
    """This run's payout row for the creator, or None if it is paid, being paid, or awaiting staff."""
    inserted = insert_ignore(
        Payout,
        creator_id=creator_id,
        period=period,
        currency=currency,
        amount=amount,
        mode=mode,
        status="sending",
        attempts=1,
        reference="",
        failure="",
        created_at=now,
        updated_at=now,
    )
    if not inserted:
        retried = db.session.execute(
            sa.update(Payout)
            .where(
                Payout.creator_id == creator_id,
                Payout.period == period,
                Payout.currency == currency,
                Payout.status == "failed",
            )
            .values(status="sending", amount=amount, mode=mode, attempts=Payout.attempts + 1, updated_at=now)
        ).rowcount
        if not retried:
            return None
    payout = db.session.execute(
        sa.select(Payout)
        .filter_by(creator_id=creator_id, period=period, currency=currency)
        .execution_options(populate_existing=True)
    ).scalar_one()
    ledger.post(
        f"payout:{payout.id}:attempt:{payout.attempts}",
        "payout",
        currency=currency,
        at=now,
        creator_id=creator_id,
        payout_id=payout.id,
        memo=period,
        entries=[("creator_cleared", creator_id, amount), ("in_transit", None, -amount)],
    )
    return payout


STALE_AFTER = timedelta(minutes=15)  # a run that stopped between claiming and transferring


def _stale(period: str, currency: str, *, now: datetime) -> list[Payout]:
    """Payouts whose run died between claiming and transferring, taken over by this run."""
    taken = []
    for payout in db.session.execute(
        sa.select(Payout).where(
            Payout.period == period,
            Payout.currency == currency,
            Payout.status == "sending",
            Payout.updated_at < now - STALE_AFTER,
        )
    ).scalars():
        with unit_of_work():
            claimed = db.session.execute(
                sa.update(Payout)
                .where(Payout.id == payout.id, Payout.updated_at == payout.updated_at)
                .values(updated_at=now)
            ).rowcount
        if claimed:
            taken.append(payout)
    return taken


def _settle(payout: Payout, *, now: datetime, transfer_id: str | None = None, reference: str = "") -> None:
    ledger.post(
        f"payout_paid:{payout.id}",
        "payout_paid",
        currency=payout.currency,
        at=now,
        creator_id=payout.creator_id,
        payout_id=payout.id,
        entries=[("in_transit", None, payout.amount), ("clearing", None, -payout.amount)],
    )
    db.session.execute(
        sa.update(Payout)
        .where(Payout.id == payout.id)
        .values(status="paid", transfer_id=transfer_id, reference=reference, paid_at=now, updated_at=now)
    )


def _return(payout: Payout, failure: str, *, now: datetime) -> None:
    ledger.post(
        f"payout_returned:{payout.id}:attempt:{payout.attempts}",
        "payout_returned",
        currency=payout.currency,
        at=now,
        creator_id=payout.creator_id,
        payout_id=payout.id,
        memo=failure[:500],
        entries=[("in_transit", None, payout.amount), ("creator_cleared", payout.creator_id, -payout.amount)],
    )
    db.session.execute(
        sa.update(Payout)
        .where(Payout.id == payout.id)
        .values(status="failed", failure=failure, updated_at=now)
    )


def run_payouts(
    period: str, *, gateway: PaymentGateway, now: datetime, threshold: int, currency: str = "EUR"
) -> RunReport:
    """Pay every creator whose cleared balance reaches the threshold; commits per creator."""
    report = RunReport()
    accounts = {
        account.creator_id: account
        for account in db.session.execute(
            sa.select(PayoutAccount).where(PayoutAccount.ready.is_(True))
        ).scalars()
    }
    for payout in _stale(period, currency, now=now):
        _send(payout, accounts.get(payout.creator_id), gateway, report, now=now)
    for creator_id, amount in cleared_balances(currency, threshold):
        account = accounts.get(creator_id)
        if account is None:
            report.no_account.append(creator_id)
            continue
        with unit_of_work():
            payout = _claim(creator_id, period, currency, amount, account.mode, now=now)
            if payout is not None and account.mode == "manual":
                db.session.execute(
                    sa.update(Payout).where(Payout.id == payout.id).values(status="awaiting_manual")
                )
        if payout is None:
            report.skipped += 1
        elif account.mode == "manual":
            report.awaiting_manual.append((creator_id, amount))
        else:
            _send(payout, account, gateway, report, now=now)
    return report


def _send(
    payout: Payout,
    account: PayoutAccount | None,
    gateway: PaymentGateway,
    report: RunReport,
    *,
    now: datetime,
) -> None:
    """Ask for the transfer under this attempt's key (a retry after a crash gets the same transfer)."""
    try:
        if account is None or not account.stripe_account_id:
            raise PaymentError("no connected payout account")
        transfer_id = gateway.transfer(
            amount=payout.amount,
            currency=payout.currency,
            destination=account.stripe_account_id,
            idempotency_key=f"payout-{payout.creator_id}-{payout.period}-{payout.currency}-{payout.attempts}",
            metadata={
                "payout_id": str(payout.id),
                "creator_id": str(payout.creator_id),
                "period": payout.period,
            },
        )
    except PaymentError as error:
        with unit_of_work():
            _return(payout, str(error), now=now)
        report.failed.append((payout.creator_id, str(error)))
        return
    with unit_of_work():
        _settle(payout, now=now, transfer_id=transfer_id)
    report.paid.append((payout.creator_id, payout.amount))


def mark_manual_paid(staff: User, payout: Payout, *, reference: str, now: datetime) -> None:
    """Staff made the bank transfer themselves: the payout is paid, with their reference."""
    if not staff.is_staff:
        raise PermissionDenied(_("Only staff can record payouts."))
    reference = reference.strip()
    if not reference:
        raise DomainError(_("Give the bank transfer's reference."), field="reference")
    if payout.status != "awaiting_manual":
        raise DomainError(_("This payout is not waiting for a manual transfer."))
    _settle(payout, now=now, reference=reference)


def connect_stripe(creator: User, gateway: PaymentGateway, *, now: datetime) -> PayoutAccount:
    """The creator's connected account at the provider, created once."""
    account = db.session.execute(
        sa.select(PayoutAccount).filter_by(creator_id=creator.id)
    ).scalar_one_or_none()
    if account is not None and account.mode == "stripe" and account.stripe_account_id:
        return account
    account_id = gateway.create_payout_account(email=creator.email, creator_id=creator.id)
    if account is None:
        account = PayoutAccount(creator_id=creator.id, created_at=now, manual_details="")
        db.session.add(account)
    account.mode, account.stripe_account_id, account.ready, account.updated_at = (
        "stripe",
        account_id,
        False,
        now,
    )
    db.session.flush()
    return account


def refresh_ready(account: PayoutAccount, gateway: PaymentGateway, *, now: datetime) -> bool:
    if account.mode == "stripe" and account.stripe_account_id:
        ready = gateway.payout_account_ready(account.stripe_account_id)
        if ready != account.ready:
            account.ready, account.updated_at = ready, now
    return account.ready


def choose_manual(creator: User, *, details: str, now: datetime) -> PayoutAccount:
    """Payouts by bank transfer made by staff, for creators without a Stripe account."""
    details = details.strip()
    if not details:
        raise DomainError(_("Tell us where to send the money (for example the IBAN's last four digits)."))
    account = db.session.execute(
        sa.select(PayoutAccount).filter_by(creator_id=creator.id)
    ).scalar_one_or_none()
    if account is None:
        account = PayoutAccount(creator_id=creator.id, created_at=now)
        db.session.add(account)
    account.mode, account.stripe_account_id, account.ready = "manual", None, True
    account.manual_details, account.updated_at = details[:200], now
    db.session.flush()
    return account


def account_updated(stripe_account_id: str, *, ready: bool, now: datetime) -> bool:
    """The provider's account.updated webhook: onboarding finished (or undone)."""
    return bool(
        db.session.execute(
            sa.update(PayoutAccount)
            .where(PayoutAccount.stripe_account_id == stripe_account_id)
            .values(ready=ready, updated_at=now)
        ).rowcount
    )
