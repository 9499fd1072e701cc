"""Royalty ledger, payouts and creator statements."""
