"""The WSGI entry point for gunicorn: ``gunicorn teststate.wsgi:app``."""

from __future__ import annotations

from teststate.app import create_app

app = create_app()
