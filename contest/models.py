"""Imports every model so that metadata (and so migrations) sees all tables."""

from contest.accounts.models import User
from contest.mail.models import OutboxMessage
from contest.storage.models import StoredFile

__all__ = ["OutboxMessage", "StoredFile", "User"]
