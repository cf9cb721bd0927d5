"""App inventories: the sheets an MDM exports (Intune's discovered apps, Jamf's mobile device
application report, Google's Android Management application report) and the generic apps
sheet, one module each, recognised by their header row and mapped onto one row shape."""
