"""Registers every feature's blueprint and CLI group."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from contest import api
    from contest.accounts.cli import cli as users_cli
    from contest.accounts.views import bp as accounts_bp
    from contest.catalogue.seo import bp as seo_bp
    from contest.catalogue.views import bp as catalogue_bp
    from contest.comments.views import bp as comments_bp
    from contest.community.views import bp as community_bp
    from contest.contests.cli import cli as contests_cli
    from contest.contests.views import bp as contests_bp
    from contest.core.views import bp as core_bp
    from contest.core.views import register_error_handlers
    from contest.demo.cli import cli as demo_cli
    from contest.designs.moderation_views import bp as moderation_bp
    from contest.designs.views import bp as designs_bp
    from contest.fulfilment.views import bp as fulfilment_bp
    from contest.ideas.views import bp as ideas_bp
    from contest.jobs.cli import cli as jobs_cli
    from contest.jobs.registry import load_job_modules
    from contest.mail.cli import cli as mail_cli
    from contest.notifications import views as notifications
    from contest.orders import views as orders
    from contest.payments.views import bp as payments_bp
    from contest.royalties.cli import cli as royalties_cli
    from contest.royalties.views import bp as royalties_bp
    from contest.storage.views import bp as storage_bp
    from contest.voting import views as voting

    for blueprint in (
        core_bp,
        accounts_bp,
        storage_bp,
        contests_bp,
        designs_bp,
        moderation_bp,
        notifications.bp,
        voting.bp,
        comments_bp,
        catalogue_bp,
        seo_bp,
        orders.bp,
        payments_bp,
        fulfilment_bp,
        royalties_bp,
        community_bp,
        ideas_bp,
    ):
        app.register_blueprint(blueprint)
    notifications.init_app(app)
    voting.init_app(app)
    orders.init_app(app)
    register_error_handlers(app)
    load_job_modules()  # the inline runner runs jobs in this process
    for group in (users_cli, mail_cli, demo_cli, jobs_cli, contests_cli, royalties_cli):
        app.cli.add_command(group)
    api.init_app(app)
    from contest.api.settings_views import bp as api_tokens_bp

    app.register_blueprint(api_tokens_bp)
