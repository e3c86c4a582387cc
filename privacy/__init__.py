"""Privacy: PII classification, AES-GCM envelope encryption, pseudonymous keys, masking."""

from privacy.classification import PiiClass, direct_identifiers
from privacy.envelope import EnvelopeCipher
from privacy.errors import PrivacyError
from privacy.keyring import Keyring, ensure_local_keyring, load_keyring
from privacy.masking import last4
from privacy.pseudonym import client_key

__all__ = [
    "EnvelopeCipher",
    "Keyring",
    "PiiClass",
    "PrivacyError",
    "client_key",
    "direct_identifiers",
    "ensure_local_keyring",
    "last4",
    "load_keyring",
]
