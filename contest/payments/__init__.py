"""Payments: one gateway interface, the Stripe gateway, a test gateway, and verified webhooks."""
