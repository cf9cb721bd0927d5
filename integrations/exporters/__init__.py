"""Exporters: list files for people and scripts (JSON, CSV, XLSX) and MDM-native exports
(Apple profile, Android Management API, Intune Graph bodies), one module per format, each
registering one exporter, plus the store-ID helper the MDM formats share."""
