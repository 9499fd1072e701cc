"""Registers every feature's blueprint and CLI group."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from contest.accounts.cli import cli as users_cli
    from contest.accounts.views import bp as accounts_bp
    from contest.core.views import bp as core_bp
    from contest.core.views import register_error_handlers
    from contest.demo.cli import cli as demo_cli
    from contest.mail.cli import cli as mail_cli
    from contest.storage.views import bp as storage_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(storage_bp)
    register_error_handlers(app)
    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(demo_cli)
