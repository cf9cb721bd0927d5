"""Vetting: which third-party apps may touch PHI, the BAAs behind them, and the approved list.

The package root loads nothing: the domain (`vetting.core`), the use cases
(`vetting.services`) and the tables (`vetting.models`) work without Flask; the web
application is built by `vetting.app.create_app`.
"""

__version__ = "0.1.0"
