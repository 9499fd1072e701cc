"""Atelier: design contests whose winners become print-on-demand products."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import Config, config_from_env

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | None = None, **overrides: object) -> Flask:
    """Build an app from a configuration class; nothing else (no migrations, no seeding)."""
    config = config or config_from_env()
    config.check()
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.from_object(config)
    app.config.update(overrides)

    from contest import blueprints, extensions_setup

    extensions_setup.init_app(app)
    blueprints.register(app)
    return app
