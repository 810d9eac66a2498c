"""User-facing errors: each message is one line that names the problem and the fix."""


class LeadConvError(Exception):
    """Bad input or configuration; the entry point prints the message alone and exits non-zero."""


class DataError(LeadConvError):
    """The data files are missing, empty or malformed."""


class ConfigError(LeadConvError):
    """A configuration value cannot be used."""


class FeatureError(LeadConvError):
    """A feature set meets data it cannot transform (for example a missing column)."""
