"""List files for people and scripts (JSON, CSV, XLSX); each module registers one exporter."""
