from bot.wechat.signature import is_valid, sha1_signature

# Computed by hand: echo -n "1700000000n0ncewenzheng" | sha1sum
KNOWN = "acaea55943815f94c22892362401e45f8f742562"


def test_signature_matches_hand_computed_vector():
    assert sha1_signature("wenzheng", "1700000000", "n0nce") == KNOWN
    assert is_valid(KNOWN, "wenzheng", "1700000000", "n0nce")
    assert is_valid(KNOWN.upper(), "wenzheng", "1700000000", "n0nce")


def test_msg_signature_includes_the_ciphertext():
    # echo -n "1700000000ENCRYPTEDn0ncewenzheng" | sha1sum
    expected = "594471c26d27ceeb60a3a3bc424e260336c795a2"
    assert sha1_signature("wenzheng", "1700000000", "n0nce", "ENCRYPTED") == expected


def test_wrong_or_missing_signature_is_rejected():
    assert not is_valid(KNOWN, "other-token", "1700000000", "n0nce")
    assert not is_valid(KNOWN, "wenzheng", "1700000001", "n0nce")
    assert not is_valid(None, "wenzheng", "1700000000", "n0nce")
    assert not is_valid("", "wenzheng", "1700000000", "n0nce")


def test_non_ascii_signature_is_rejected_not_an_error():
    """A forged query with ``signature=\\xa0`` was a 500 (compare_digest refuses such str)."""
    assert not is_valid("\xa0", "wenzheng", "1700000000", "n0nce")
    assert not is_valid("社" * 40, "wenzheng", "1700000000", "n0nce")
