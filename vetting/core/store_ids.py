"""What a valid store ID looks like: one definition for the API's validation, the MDM
exports (which skip apps without one) and the settings that name iOS system apps."""

from __future__ import annotations

import re
from enum import StrEnum


class Platform(StrEnum):
    IOS = "ios"
    ANDROID = "android"
    WEB = "web"  # no store ID


# iOS bundle IDs: reverse-DNS of letters, digits, hyphens. Android: Java package names.
IOS_BUNDLE_RE = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
ANDROID_PACKAGE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")
