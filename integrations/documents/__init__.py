"""Reading the text of stored documents (signed agreements): PDF, DOCX and plain text."""
