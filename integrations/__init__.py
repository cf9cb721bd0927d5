"""Adapters to the outside world (MDMs, notifiers, HTTP). They depend on core types only and
never import Flask or SQL: services call them."""
