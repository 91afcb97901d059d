"""The signature receivers check: HMAC-SHA256 over `t.body`, replay-safe by time."""

import pytest

from backoffice.delivery import signing

BODY = b'{"id":"evt_1","type":"item.completed"}'
NOW = 1_764_590_400


def test_a_signed_request_verifies_within_the_tolerance():
    header = signing.signature_header(["whsec_new"], NOW, BODY)
    assert header.startswith(f"t={NOW},v1=")
    assert signing.verify(BODY, header, "whsec_new", now=NOW + 299) == NOW


def test_a_replay_after_five_minutes_is_refused():
    header = signing.signature_header(["whsec_new"], NOW, BODY)
    with pytest.raises(signing.SignatureError, match="too old"):
        signing.verify(BODY, header, "whsec_new", now=NOW + 301)


@pytest.mark.parametrize(
    ("body", "secret"),
    [(BODY + b" ", "whsec_new"), (BODY, "whsec_other")],
    ids=["tampered body", "wrong secret"],
)
def test_a_changed_body_or_another_secret_is_refused(body, secret):
    header = signing.signature_header(["whsec_new"], NOW, BODY)
    with pytest.raises(signing.SignatureError, match="No signature matches"):
        signing.verify(body, header, secret, now=NOW)


def test_a_changed_timestamp_breaks_the_signature():
    header = signing.signature_header(["whsec_new"], NOW, BODY)
    forged = header.replace(f"t={NOW}", f"t={NOW + 1000}")
    with pytest.raises(signing.SignatureError):
        signing.verify(BODY, forged, "whsec_new", now=NOW + 1000)


def test_during_a_rotation_either_secret_verifies():
    header = signing.signature_header(["whsec_new", "whsec_old"], NOW, BODY)
    assert header.count("v1=") == 2
    assert signing.verify(BODY, header, "whsec_old", now=NOW)
    assert signing.verify(BODY, header, ["whsec_x", "whsec_new"], now=NOW)


def test_the_signature_is_the_documented_hmac():
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_k", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signing.signature("whsec_k", NOW, BODY) == expected


@pytest.mark.parametrize("header", ["", "v1=abc", f"t={NOW}", "t=soon,v1=abc"])
def test_a_malformed_header_is_refused(header):
    with pytest.raises(signing.SignatureError):
        signing.verify(BODY, header, "whsec_new", now=NOW)
