"""WeChat request signatures: sha1 over the sorted, concatenated parts."""

from __future__ import annotations

import hashlib
import hmac


def sha1_signature(*parts: str) -> str:
    """The signature WeChat computes: parts sorted as strings, joined, sha1 hex."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def is_valid(signature: str | None, *parts: str) -> bool:
    """Compare in constant time; a missing signature is never valid."""
    if not signature:
        return False
    # Bytes: compare_digest refuses str with non-ASCII characters (a forged query has them).
    return hmac.compare_digest(sha1_signature(*parts).encode(), signature.lower().encode())
