"""The FS file: the sender's signature of an official batch file (docs/sources.md §13.1).

The official rules of the NSSO's digital-signature pages, in short: the FS file holds a
simple signature of the PKCS#7/CMS kind, a binary signature of the FI file, that is a CMS
SignedData over the FI file's bytes as they are, the file itself staying beside it
(detached). The hash is SHA-256 by preference; SHA-1 is deprecated but still met; SHA-384
and SHA-512 are taken too. The key is RSA (PKCS#1 v1.5 or RSASSA-PSS) or ECDSA. The FS file
is that SignedData in DER, written in base64 on one line or in columns of 76 characters each
ended by a CR. Reading it, any whitespace between the base64 characters (CR, LF, CRLF) is
taken, and so are PEM lines (`-----BEGIN PKCS7-----`, `-----END PKCS7-----`) around it.

With signed attributes, their `message-digest` must be the digest of the FI file, their
`content-type` must be data, and the signature is over the DER of the attributes tagged as a
SET; without them, the signature is over the FI file itself. The FI file is read in chunks:
it may be hundreds of MB.

Decisions of the project:
- The key is the one of the sender's certificate in the directory
  (`Declarant.signing_certificate`). Certificates carried in the FS are ignored: they may be
  absent, or another one. No chain or revocation is checked: the directory's certificate is
  trusted as it stands.
- With several signers, each must be readable and of a supported algorithm, and one whose
  signature verifies with that certificate is enough.
- Detached only: an FS that carries the content itself is refused. That is not the official
  format, and it would make the FS as large as the file.
- The certificate must be valid at the moment the file is judged: `at`, by default now (the
  caller may give the moment the file was received). A signing time among the signed
  attributes is the signer's own claim, so it does not make an expired certificate good.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from asn1crypto import cms, core
from cryptography import exceptions, x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from services.intake.xmlforms.errors import InvalidSignature

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
CHUNK = 1 << 20
_ARMOUR = re.compile(rb"-----(BEGIN|END) [A-Z0-9 ]+-----")
_MALFORMED = (ValueError, TypeError, KeyError, IndexError)


@dataclass(frozen=True)
class _Signer:
    """What one SignerInfo says, in plain values."""

    hash: str
    algorithm: str  # rsassa_pkcs1v15, rsassa_pss or ecdsa
    signature: bytes
    signed_attrs: bytes | None  # DER, tagged as a SET
    message_digest: bytes | None
    content_type: str | None
    pss: tuple[str, str, int] | None = None  # hash, MGF1 hash, salt length


def verify_signature(content: BinaryIO, signature: bytes, certificate_pem: str, *,
                     at: datetime | None = None) -> None:
    """Raise InvalidSignature unless `signature` (the FS file) is a valid signature of
    `content` (the FI file, read from its start) by the key of `certificate_pem`, valid at
    `at` (an aware datetime; now unless told). The stream is left at position 0."""
    certificate = _certificate(certificate_pem, at or datetime.now(UTC))
    signers = _signers(_der(signature))
    try:
        digests = _digests(content, {s.hash for s in signers})
    finally:
        content.seek(0)
    reasons = []
    for signer in signers:
        try:
            _verify(signer, digests[signer.hash], certificate.public_key())
            return
        except InvalidSignature as exc:
            reasons.append(exc.detail)
    raise InvalidSignature("; ".join(reasons))


def _certificate(pem: str, at: datetime) -> x509.Certificate:
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise InvalidSignature("the sender's certificate is not a PEM certificate") from None
    if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        raise InvalidSignature(
            f"the sender's certificate is valid from {certificate.not_valid_before_utc} to "
            f"{certificate.not_valid_after_utc}, not at {at}")
    return certificate


def _der(signature: bytes) -> bytes:
    text = b"".join(_ARMOUR.sub(b"", signature).split())
    if not text:
        raise InvalidSignature("the FS file is empty")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise InvalidSignature("the FS file is not base64") from None


def _signers(der: bytes) -> list[_Signer]:
    try:
        info = cms.ContentInfo.load(der, strict=True)
        kind = info["content_type"].native
    except _MALFORMED:
        raise InvalidSignature("the FS file is not a CMS structure") from None
    if kind != "signed_data":
        raise InvalidSignature(f"the FS file is a CMS {kind}, not a SignedData")
    try:
        signed_data = info["content"]
        encapsulated = signed_data["encap_content_info"]
        if encapsulated["content_type"].native != "data":
            raise InvalidSignature("the signed content is not of the type data")
        if not isinstance(encapsulated["content"], core.Void):
            raise InvalidSignature("the FS file carries the content: it must be detached")
        signers = [_signer(s) for s in signed_data["signer_infos"]]
    except _MALFORMED:
        raise InvalidSignature("the FS file is not a well-formed CMS SignedData") from None
    if not signers:
        raise InvalidSignature("the SignedData has no signer")
    return signers


def _signer(info: cms.SignerInfo) -> _Signer:
    hash_name = info["digest_algorithm"]["algorithm"].native
    if hash_name not in HASHES:
        raise InvalidSignature(f"the hash algorithm {hash_name} is not supported")
    algorithm = info["signature_algorithm"]
    name = algorithm["algorithm"].native
    try:
        kind = algorithm.signature_algo
    except ValueError:
        kind = name
    if kind not in ("rsassa_pkcs1v15", "rsassa_pss", "ecdsa"):
        raise InvalidSignature(f"the signature algorithm {name} is not supported")
    pss = None
    if kind == "rsassa_pss":
        params = algorithm["parameters"]
        mgf = params["mask_gen_algorithm"]
        pss = (params["hash_algorithm"]["algorithm"].native,
               mgf["parameters"]["algorithm"].native, params["salt_length"].native)
        if mgf["algorithm"].native != "mgf1" or pss[0] != hash_name or pss[1] not in HASHES:
            raise InvalidSignature("the RSASSA-PSS parameters are not supported")
    attrs = info["signed_attrs"]
    if isinstance(attrs, core.Void):
        return _Signer(hash_name, kind, info["signature"].native, None, None, None, pss)
    values: dict[str, list] = {"message_digest": [], "content_type": []}
    for attr in attrs:
        if (name := attr["type"].native) in values:
            values[name].extend(value.native for value in attr["values"])
    message_digest, content_type = values["message_digest"], values["content_type"]
    if len(message_digest) != 1:
        raise InvalidSignature("the signed attributes need one message digest")
    if len(content_type) != 1:
        raise InvalidSignature("the signed attributes need one content type")
    return _Signer(hash_name, kind, info["signature"].native, b"\x31" + attrs.dump()[1:],
                   message_digest[0], content_type[0], pss)


def _digests(content: BinaryIO, names: set[str]) -> dict[str, bytes]:
    content.seek(0)
    running = {name: hashes.Hash(HASHES[name]()) for name in names}
    while chunk := content.read(CHUNK):
        for digest in running.values():
            digest.update(chunk)
    return {name: digest.finalize() for name, digest in running.items()}


def _verify(signer: _Signer, digest: bytes, key: CertificatePublicKeyTypes) -> None:
    algorithm: hashes.HashAlgorithm | utils.Prehashed
    if signer.signed_attrs is None:
        data, algorithm = digest, utils.Prehashed(HASHES[signer.hash]())
    else:
        if signer.message_digest != digest:
            raise InvalidSignature("the message digest is not the digest of the file")
        if signer.content_type != "data":
            raise InvalidSignature(f"the signed content type is {signer.content_type}, not data")
        data, algorithm = signer.signed_attrs, HASHES[signer.hash]()
    try:
        if signer.algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signer.signature, data, ec.ECDSA(algorithm))
        elif signer.algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signer.signature, data, padding.PKCS1v15(), algorithm)
        elif signer.pss and isinstance(key, rsa.RSAPublicKey):
            key.verify(signer.signature, data,
                       padding.PSS(padding.MGF1(HASHES[signer.pss[1]]()), signer.pss[2]),
                       algorithm)
        else:
            raise InvalidSignature(
                f"an {signer.algorithm} signature does not fit the certificate's key")
    except (exceptions.InvalidSignature, exceptions.UnsupportedAlgorithm, ValueError):
        raise InvalidSignature(
            "the signature does not verify with the sender's certificate") from None
