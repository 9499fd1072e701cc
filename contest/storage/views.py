"""Serving stored files: public renditions by key, private ones only through signed links."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, send_file

from contest.extensions import db
from contest.storage.base import StorageError, get_storage
from contest.storage.local import LocalStorage
from contest.storage.models import StoredFile

bp = Blueprint("storage", __name__)


@bp.get("/media/<path:key>")
def public(key: str) -> Response:
    row = db.session.execute(db.select(StoredFile).filter_by(key=key)).scalar_one_or_none()
    if row is None or not row.is_public:
        abort(404)
    storage = get_storage(row.backend)
    if isinstance(storage, LocalStorage):
        try:
            path = storage.path(row.key)
        except StorageError:
            abort(404)
        response = send_file(path, mimetype=row.content_type, max_age=86400 * 30)
        response.headers["Cache-Control"] = "public, max-age=2592000, immutable"
        return response
    return redirect(storage.signed_url(row.key, expires_in=current_app.config["SIGNED_URL_TTL"]), 302)


@bp.get("/files/<token>")
def signed(token: str) -> Response:
    storage = get_storage("local")
    assert isinstance(storage, LocalStorage)  # noqa: S101 - only local signs these links
    try:
        key, download_name = storage.verify(token)
        path = storage.path(key)
    except StorageError:
        abort(404)
    row = db.session.execute(db.select(StoredFile).filter_by(key=key)).scalar_one_or_none()
    mimetype = row.content_type if row else "application/octet-stream"
    response = send_file(
        path, mimetype=mimetype, as_attachment=bool(download_name), download_name=download_name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
