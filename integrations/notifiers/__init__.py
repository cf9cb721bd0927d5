"""Notifiers: email over SMTP, signed webhooks, and the in-app channel; one module each."""
