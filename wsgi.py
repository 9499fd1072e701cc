"""Entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi <command>``."""

from contest import create_app

app = create_app()
