"""MDM-native exports (Apple profile, Android Management API, Intune Graph bodies) and the
helpers they share; each format module registers one exporter."""
