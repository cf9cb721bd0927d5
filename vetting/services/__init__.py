"""Use cases: load rows, call the core, write rows and their audit event in one transaction."""
