"""The FS signature of an official batch file: the forms a sender's tool writes are taken,
everything else is refused with InvalidSignature (ACRF-125), and the FI file is streamed."""

import base64
import io
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes

from services.intake.xmlforms.errors import FileError, InvalidSignature
from services.intake.xmlforms.signature import CHUNK, verify_signature
from tests.xmlsigning import (
    LAYOUTS,
    armour,
    certificate,
    new_key,
    pem,
    sign,
    sign_by_hand,
)

FI = b'<?xml version="1.0" encoding="UTF-8"?>\n<Dimona><Form>...</Form></Dimona>\n'


@pytest.fixture(scope="module")
def keys():
    """Per kind: the sender's key, its certificate, and another key with its certificate."""
    made = {}
    for kind in ("rsa", "ec"):
        key, other = new_key(kind), new_key(kind)
        made[kind] = (key, certificate(key), other, certificate(other, name="other"))
    return made


def verify(content: bytes, signature: bytes, cert, **kwargs) -> None:
    verify_signature(io.BytesIO(content), signature, pem(cert), **kwargs)


def refused(content: bytes, signature: bytes, cert, reason: str | None, **kwargs) -> None:
    with pytest.raises(InvalidSignature, match=reason):
        verify(content, signature, cert, **kwargs)


def test_the_error_is_a_file_error_with_code_125():
    error = InvalidSignature("x")
    assert isinstance(error, FileError)
    assert (error.code, error.error_id, str(error)) == (
        "125", "ACRF-125", "the signature is not valid: x")


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("lines", LAYOUTS)
@pytest.mark.parametrize("attributes", [True, False])
def test_every_layout_of_a_good_signature_is_taken(keys, kind, lines, attributes):
    key, cert, _, _ = keys[kind]
    verify(FI, sign(FI, key, cert, lines=lines, attributes=attributes), cert)


def test_the_layouts_are_what_they_say():
    text = armour(bytes(200), "76cr")
    assert text.count(b"\r") == 4 and b"\n" not in text and len(text.split(b"\r")[0]) == 76
    assert armour(bytes(200), "76crlf").count(b"\r\n") == 4
    assert b"\r" not in armour(bytes(200), "76lf")
    assert b"\r" not in armour(bytes(200), "one") and b"\n" not in armour(bytes(200), "one")
    assert armour(bytes(200), "pem").startswith(b"-----BEGIN PKCS7-----\n")


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("hash_algorithm", [hashes.SHA256(), hashes.SHA384(), hashes.SHA512()])
def test_sha2_signatures_are_taken(keys, kind, hash_algorithm):
    key, cert, _, _ = keys[kind]
    verify(FI, sign(FI, key, cert, hash_algorithm=hash_algorithm), cert)


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("attributes", [True, False])
def test_sha1_signatures_are_still_taken(keys, kind, attributes):
    key, cert, _, _ = keys[kind]
    verify(FI, armour(sign_by_hand(FI, key, cert, hash_name="sha1", attributes=attributes)),
           cert)


@pytest.mark.parametrize("attributes", [True, False])
def test_rsassa_pss_is_taken(keys, attributes):
    key, cert, _, _ = keys["rsa"]
    fs = sign(FI, key, cert, pss=True, attributes=attributes)
    info = cms.ContentInfo.load(base64.b64decode(b"".join(fs.split())))
    assert info["content"]["signer_infos"][0]["signature_algorithm"].signature_algo == \
        "rsassa_pss"
    verify(FI, fs, cert)


def test_an_fs_without_embedded_certificate_is_taken(keys):
    key, cert, _, _ = keys["ec"]
    fs = sign(FI, key, cert, embed=False)
    info = cms.ContentInfo.load(base64.b64decode(b"".join(fs.split())))
    assert not info["content"]["certificates"]
    verify(FI, fs, cert)


def test_several_signers_are_taken_when_one_is_the_sender(keys):
    key, cert, _, _ = keys["ec"]
    verify(FI, armour(sign_by_hand(FI, key, cert, hash_name="sha256", signers=2)), cert)


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("attributes,reason", [(True, "message digest is not the digest"),
                                               (False, "does not verify")])
@pytest.mark.parametrize("where", [0, len(FI) // 2, len(FI) - 1])
def test_a_changed_byte_of_the_file_is_refused(keys, kind, attributes, reason, where):
    key, cert, _, _ = keys[kind]
    fs = sign(FI, key, cert, attributes=attributes)
    changed = bytearray(FI)
    changed[where] ^= 0x01
    refused(bytes(changed), fs, cert, reason)
    refused(FI + b"\n", fs, cert, reason)
    refused(FI[:-1], fs, cert, reason)


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("attributes", [True, False])
def test_a_signature_by_another_key_is_refused(keys, kind, attributes):
    _, cert, other, other_cert = keys[kind]
    refused(FI, sign(FI, other, other_cert, attributes=attributes), cert, "does not verify")


def test_a_signature_by_a_key_of_another_kind_is_refused(keys):
    _, rsa_cert, _, _ = keys["rsa"]
    ec_key, ec_cert, _, _ = keys["ec"]
    refused(FI, sign(FI, ec_key, ec_cert), rsa_cert, "does not fit the certificate's key")


def test_the_embedded_certificate_does_not_vouch_for_another_key(keys):
    _, cert, other, _ = keys["rsa"]
    refused(FI, armour(sign_by_hand(FI, other, cert, hash_name="sha256")), cert,
            "does not verify")


def test_the_directory_certificate_must_be_pem(keys):
    key, cert, _, _ = keys["ec"]
    with pytest.raises(InvalidSignature, match="not a PEM certificate"):
        verify_signature(io.BytesIO(FI), sign(FI, key, cert), "not a certificate")


@pytest.mark.parametrize("make,reason", [
    (lambda fs: b"", "empty"),
    (lambda fs: b" \r\n\r\n", "empty"),
    (lambda fs: b"-----BEGIN PKCS7-----\n-----END PKCS7-----\n", "empty"),
    (lambda fs: b"this is not base64!", "not base64"),
    (lambda fs: b"".join(fs.split())[:101], "not base64"),  # 101 characters: never base64
    (lambda fs: base64.b64encode(base64.b64decode(b"".join(fs.split()))[:-40]),
     "not a CMS structure|not a well-formed"),
    (lambda fs: base64.b64encode(b"<Dimona/>"), "not a CMS structure"),
    (lambda fs: base64.b64encode(b"\x30\x03\x02\x01\x01"), "not a CMS structure"),
    (lambda fs: base64.b64encode(base64.b64decode(b"".join(fs.split())) + b"\x00"),
     "not a CMS structure"),
])
def test_a_broken_fs_is_refused(keys, make, reason):
    key, cert, _, _ = keys["ec"]
    refused(FI, make(sign(FI, key, cert)), cert, reason)


def test_a_cms_that_is_not_signed_data_is_refused(keys):
    _, cert, _, _ = keys["ec"]
    data = cms.ContentInfo({"content_type": "data", "content": FI}).dump()
    refused(FI, armour(data), cert, "a CMS data, not a SignedData")


def test_a_signed_data_without_signer_is_refused(keys):
    key, cert, _, _ = keys["ec"]
    refused(FI, armour(sign_by_hand(FI, key, cert, hash_name="sha256", signers=0)), cert,
            "no signer")


def test_an_fs_that_carries_the_content_is_refused(keys):
    key, cert, _, _ = keys["ec"]
    refused(FI, sign(FI, key, cert, detached=False), cert, "must be detached")


def test_a_signed_content_type_other_than_data_is_refused(keys):
    key, cert, _, _ = keys["ec"]
    fs = armour(sign_by_hand(FI, key, cert, hash_name="sha256", content_type="signed_data"))
    refused(FI, fs, cert, "content type is signed_data, not data")


def test_an_unsupported_hash_is_refused(keys):
    key, cert, _, _ = keys["ec"]
    refused(FI, armour(sign_by_hand(FI, key, cert, hash_name="sha224")), cert,
            "hash algorithm sha224 is not supported")


def test_a_certificate_outside_its_validity_is_refused(keys):
    key = keys["ec"][0]
    now = datetime.now(UTC)
    expired = certificate(key, not_before=now - timedelta(days=400),
                          not_after=now - timedelta(days=1))
    refused(FI, sign(FI, key, expired), expired, "valid from .* not at")
    verify(FI, sign(FI, key, expired), expired, at=now - timedelta(days=2))
    future = certificate(key, not_before=now + timedelta(days=1))
    refused(FI, sign(FI, key, future), future, "valid from .* not at")


def test_every_damage_to_the_fs_gives_invalid_signature_or_nothing(keys):
    """Any length cut, any byte changed: never an exception of asn1crypto or cryptography.
    A cut is always refused, and so is a change in the signed attributes or the signature; a
    change in what is not signed (the embedded certificate, say) may still verify."""
    key, cert, _, _ = keys["ec"]
    der = base64.b64decode(sign(FI, key, cert, lines="one"))
    for n in range(len(der)):
        refused(FI, armour(der[:n], "one"), cert, None)
    signer = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    attrs, signature = signer["signed_attrs"].dump(), signer["signature"].native
    signed = {*range(der.index(attrs) + 1, der.index(attrs) + len(attrs)),
              *range(der.index(signature), der.index(signature) + len(signature))}
    taken = set()
    for i in range(len(der)):
        for flip in (0x01, 0x80):
            try:
                verify(FI, armour(der[:i] + bytes([der[i] ^ flip]) + der[i + 1:], "one"), cert)
                taken.add(i)
            except InvalidSignature:
                pass
    assert taken and not taken & signed


def test_the_stream_is_read_from_its_start_and_left_at_its_start(keys):
    key, cert, _, _ = keys["rsa"]
    stream = io.BytesIO(FI)
    stream.seek(10)
    verify_signature(stream, sign(FI, key, cert), pem(cert))
    assert stream.tell() == 0
    stream.seek(10)
    with pytest.raises(InvalidSignature):
        verify_signature(stream, sign(FI + b"x", key, cert), pem(cert))
    assert stream.tell() == 0


class CountingReader:
    """A binary stream that remembers its largest read and how much it gave in all."""

    def __init__(self, stream):
        self.stream, self.largest, self.total = stream, 0, 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.largest, self.total = max(self.largest, len(data)), self.total + len(data)
        return data

    def seek(self, offset, whence=0):
        return self.stream.seek(offset, whence)

    def tell(self):
        return self.stream.tell()


def test_a_large_file_is_verified_in_chunks(keys, tmp_path):
    key, cert, _, _ = keys["ec"]
    size, block = 50 << 20, bytes(range(256)) * 4096
    path = tmp_path / "FI.DIMN.123456.20261207.00001.R.1.1"
    with path.open("wb") as out:
        for n in range(size // len(block)):
            out.write(n.to_bytes(4, "big") + block[4:])
    with path.open("rb") as fi:
        fs = armour(sign_by_hand(fi, key, cert, hash_name="sha256"))
    with path.open("rb") as fi:
        reader = CountingReader(fi)
        verify_signature(reader, fs, pem(cert))
        assert reader.total == size and reader.largest <= CHUNK < size // 10
        assert fi.tell() == 0
    with path.open("r+b") as fi:
        fi.seek(-1, io.SEEK_END)
        last = fi.read(1)[0]
        fi.seek(-1, io.SEEK_END)
        fi.write(bytes([last ^ 0x01]))
    with path.open("rb") as fi, pytest.raises(InvalidSignature, match="message digest"):
        verify_signature(fi, fs, pem(cert))
