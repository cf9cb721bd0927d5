"""Push sync: one module per target kind (intune, android_management, webhook), each a
`SyncTarget` registered by its slug, and `sender`, which makes their calls over the guarded
httpx client with timeouts and bounded retries. A new MDM is one new file here."""
