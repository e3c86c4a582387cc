"""The exception raised when keys are missing, malformed or do not match the data."""


class PrivacyError(RuntimeError):
    """A key-ring or decryption problem a person must fix; nothing was written."""
