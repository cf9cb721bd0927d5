"""Vendor web pages: the readable text of a fetched page (for the claim extractor)."""
