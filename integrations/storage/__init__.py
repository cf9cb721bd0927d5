"""Where stored documents (signed BAAs, evidence files) live: a content-addressed store chosen
by `VETTING_DOCUMENT_STORE` — the instance folder (`local.py`) or an S3 bucket (`s3.py`)."""
