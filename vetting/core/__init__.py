"""Pure domain rules: no Flask, no SQL, no I/O beyond reading a checklist's text."""
