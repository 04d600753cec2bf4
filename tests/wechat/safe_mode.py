"""Test-side WeChat safe mode, written independently of bot.wechat.crypto.

Encryption goes through the ``openssl`` command-line tool, signatures through hashlib,
so a shared mistake in the app's code cannot make both sides agree.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import time


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def encrypt(encoding_aes_key: str, appid: str, message: bytes, prefix: bytes | None = None) -> str:
    key = base64.b64decode(encoding_aes_key + "=")
    plain = (prefix or os.urandom(16)) + len(message).to_bytes(4, "big") + message + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    result = subprocess.run(
        ["openssl", "enc", "-aes-256-cbc", "-K", key.hex(), "-iv", key[:16].hex(), "-nopad"],
        input=plain,
        capture_output=True,
        check=True,
    )
    return base64.b64encode(result.stdout).decode()


def signed_query(token: str, encrypted: str | None = None, timestamp: str | None = None,
                 **extra: str) -> dict[str, str]:
    """The query string WeChat adds to a push: signature, and msg_signature in safe mode.

    The timestamp is now unless given, the nonce fresh each time (as WeChat sends them)."""
    timestamp, nonce = timestamp or str(int(time.time())), os.urandom(4).hex()
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature(token, timestamp, nonce),
    }
    if encrypted is not None:
        query.update(
            encrypt_type="aes", msg_signature=signature(token, timestamp, nonce, encrypted)
        )
    query.update(extra)
    return query


def sealed(token: str, encoding_aes_key: str, appid: str, message: bytes) -> tuple[dict[str, str], bytes]:
    """A push in safe mode: the signed query and the XML body carrying ``message`` encrypted."""
    encrypted = encrypt(encoding_aes_key, appid, message)
    body = f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return signed_query(token, encrypted), body.encode()
