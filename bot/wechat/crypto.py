"""WeChat "safe mode" message encryption (AES-256-CBC, WeChat's own framing).

Plaintext layout: 16 random bytes, the message length as 4 bytes in network order,
the message, the appid; padded PKCS#7-style to a multiple of 32 bytes (not 16).
The key is the 43-character EncodingAESKey base64-decoded (with a trailing "="),
the IV its first 16 bytes.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct

from Crypto.Cipher import AES

_BLOCK = 32


class CryptoError(ValueError):
    """The ciphertext cannot be decrypted, is malformed, or is for another appid."""


def _key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != 43:
        raise CryptoError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise CryptoError("EncodingAESKey is not base64") from exc
    return key


def _pad(data: bytes) -> bytes:
    amount = _BLOCK - len(data) % _BLOCK
    return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes:
    amount = data[-1] if data else 0
    if not 1 <= amount <= _BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise CryptoError("bad padding")
    return data[:-amount]


class MessageCrypto:
    """Encrypts and decrypts message bodies for one appid."""

    def __init__(self, encoding_aes_key: str, appid: str) -> None:
        self.key = _key(encoding_aes_key)
        self.appid = appid

    def encrypt(self, message: bytes, random_prefix: bytes | None = None) -> str:
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = prefix + struct.pack(">I", len(message)) + message + self.appid.encode()
        cipher = AES.new(self.key, AES.MODE_CBC, self.key[:16])
        return base64.b64encode(cipher.encrypt(_pad(plain))).decode()

    def decrypt(self, encrypted: str) -> bytes:
        """The message inside ``encrypted``; CryptoError unless it is well-formed and ours."""
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("ciphertext is not base64") from exc
        if not raw or len(raw) % AES.block_size:
            raise CryptoError("ciphertext length is not a multiple of the block size")
        plain = _unpad(AES.new(self.key, AES.MODE_CBC, self.key[:16]).decrypt(raw))
        if len(plain) < 20:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        message, appid = plain[20 : 20 + length], plain[20 + length :]
        if len(message) != length or appid.decode("utf-8", "replace") != self.appid:
            raise CryptoError("message is not for this appid")
        return message
