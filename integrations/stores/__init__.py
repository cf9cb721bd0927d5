"""App stores: look an app up by store ID (iOS bundle ID, Android package name) and read
what its listing says. One base module, one file per store."""
