"""The Flask app object: `flask --app app run`, `gunicorn app:app`."""

from vetting.app import create_app

app = create_app()
