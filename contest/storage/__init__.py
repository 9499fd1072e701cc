"""One storage interface over local files and S3; rows remember which backend holds each file."""

from contest.storage.base import Storage, StorageError, get_storage

__all__ = ["Storage", "StorageError", "get_storage"]
