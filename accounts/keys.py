"""API keys as text: made, recognised by their prefix, and kept only as a digest.

A key is `afu_<prefix>_<secret>`: the prefix (8 hex characters) is stored and shown so a
key can be recognised in lists and logs; the secret (256 random bits) is never stored.
A plain SHA-256 digest suffices: the secret is random, not a password, so there is no
dictionary to slow down, and checking a key costs one hash, not a deliberate 100 ms.
"""

import hashlib
import hmac
import re
import secrets

SCHEME = "afu"
KEY = re.compile(r"\Aafu_([0-9a-f]{8})_([A-Za-z0-9_-]{43})\Z")


def new_key() -> tuple[str, str]:
    """A fresh key: (prefix, the whole key)."""
    prefix = secrets.token_hex(4)
    return prefix, f"{SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    """The prefix of a well-formed key, else None (nothing is looked up for it)."""
    match = KEY.match(key)
    return match.group(1) if match else None


def matches(key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(key), stored_digest)
