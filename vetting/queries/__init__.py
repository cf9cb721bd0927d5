"""Read models for pages and the API (the dashboard, today's list, the BAA timeline, the
browse and list queries) and the one cache module they keep results in. Use cases that write
are in vetting/services/."""
