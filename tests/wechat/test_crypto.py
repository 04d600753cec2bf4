import base64

import pytest

from bot.wechat.crypto import CryptoError, MessageCrypto
from tests.wechat import safe_mode

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx-test-app"
# Computed by hand from the spec: plaintext "0123456789abcdef" + 00000005 + "hello" +
# "wx-test-app" padded with 28 bytes of 0x1c, then
# openssl enc -aes-256-cbc -K <key hex> -iv <first 16 key bytes hex> -nopad | base64
KNOWN_CIPHERTEXT = (
    "Q3stYC6hdFzMh9T8HCvyDIZ5oLqCtygyOV1WtzNt+g/m5isnJai79McUyAwBuZL60r3VlwGcwS4DwvbylSiIEg=="
)


def test_decrypts_the_hand_computed_vector():
    assert MessageCrypto(KEY, APPID).decrypt(KNOWN_CIPHERTEXT) == b"hello"


def test_encrypts_to_the_hand_computed_vector():
    assert MessageCrypto(KEY, APPID).encrypt(b"hello", b"0123456789abcdef") == KNOWN_CIPHERTEXT


def test_decrypts_what_openssl_encrypts_with_chinese_text():
    message = "<xml><Content><![CDATA[灵活就业人员怎么缴纳社保？]]></Content></xml>".encode()
    # 31-byte and 32-byte plaintexts cover a full block of padding.
    for extra in (b"", b"x" * 11, b"x" * 12):
        encrypted = safe_mode.encrypt(KEY, APPID, message + extra)
        assert MessageCrypto(KEY, APPID).decrypt(encrypted) == message + extra


def test_message_for_another_appid_is_refused():
    encrypted = safe_mode.encrypt(KEY, "wx-someone-else", b"hello")
    with pytest.raises(CryptoError):
        MessageCrypto(KEY, APPID).decrypt(encrypted)


@pytest.mark.parametrize(
    "ciphertext",
    ["", "not base64!", base64.b64encode(b"short").decode(), KNOWN_CIPHERTEXT[:-24] + "=="],
)
def test_malformed_ciphertext_is_refused(ciphertext):
    with pytest.raises(CryptoError):
        MessageCrypto(KEY, APPID).decrypt(ciphertext)


def test_tampered_ciphertext_is_refused():
    raw = bytearray(base64.b64decode(KNOWN_CIPHERTEXT))
    raw[-1] ^= 0xFF  # breaks the padding of the last block
    with pytest.raises(CryptoError):
        MessageCrypto(KEY, APPID).decrypt(base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize("key", ["", "short", KEY + "A", "!" * 43])
def test_unusable_encoding_aes_key_is_refused(key):
    with pytest.raises(CryptoError):
        MessageCrypto(key, APPID)
