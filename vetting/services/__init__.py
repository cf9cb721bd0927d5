"""Use cases: load rows, call the core, write rows and their audit event in one transaction."""

# Registers the flush hook that keeps each agreement's kept state in step with its writes.
from vetting.services import baa_states as _baa_states  # noqa: F401
