"""Keys, self-signed certificates and FS signatures of official batch files, for tests.

`sign` makes an FS file the way a sender's tool does, with cryptography's PKCS#7 builder;
`sign_by_hand` assembles the SignedData with asn1crypto for what the builder will not make
(SHA-1, another content type, a signature that does not match its certificate). `armour`
writes the DER in the FS file's layouts.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
Sha2 = hashes.SHA256 | hashes.SHA384 | hashes.SHA512
LAYOUTS = ("76cr", "76lf", "76crlf", "one", "pem")
HASH_CLASSES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


def new_key(kind: str = "rsa") -> Key:
    """An RSA 2048 or an EC P-256 private key."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def certificate(key: Key, *, name: str = "sender", not_before: datetime | None = None,
                not_after: datetime | None = None) -> x509.Certificate:
    """A self-signed certificate of `key`, valid from yesterday for a year unless told."""
    now = datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - timedelta(days=1))
            .not_valid_after(not_after or now + timedelta(days=365))
            .sign(key, hashes.SHA256()))


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def armour(der: bytes, lines: str = "76cr") -> bytes:
    """The FS file's text: base64 in 76-character lines each ended by CR, LF or CRLF
    (`76cr`, `76lf`, `76crlf`), on one line (`one`), or PEM (`pem`)."""
    text = base64.b64encode(der)
    if lines == "one":
        return text
    columns = [text[i:i + 76] for i in range(0, len(text), 76)]
    if lines == "pem":
        return b"\n".join([b"-----BEGIN PKCS7-----", *columns, b"-----END PKCS7-----", b""])
    end = {"76cr": b"\r", "76lf": b"\n", "76crlf": b"\r\n"}[lines]
    return b"".join(column + end for column in columns)


def sign(content: bytes, key: Key, cert: x509.Certificate, *, lines: str = "76cr",
         hash_algorithm: Sha2 | None = None, attributes: bool = True,
         pss: bool = False, detached: bool = True, embed: bool = True) -> bytes:
    """An FS file of `content`, as cryptography's PKCS#7 builder signs it: SHA-256 unless
    told, with signed attributes, detached and `cert` embedded unless told otherwise."""
    hash_algorithm = hash_algorithm or hashes.SHA256()
    rsa_padding = padding.PSS(padding.MGF1(hash_algorithm), padding.PSS.DIGEST_LENGTH) \
        if pss else None
    options = [pkcs7.PKCS7Options.Binary]
    options += [pkcs7.PKCS7Options.DetachedSignature] if detached else []
    options += [] if attributes else [pkcs7.PKCS7Options.NoAttributes]
    options += [] if embed else [pkcs7.PKCS7Options.NoCerts]
    der = (pkcs7.PKCS7SignatureBuilder().set_data(content)
           .add_signer(cert, key, hash_algorithm, rsa_padding=rsa_padding)
           .sign(serialization.Encoding.DER, options))
    return armour(der, lines)


def digest_of(content: bytes | BinaryIO, hash_name: str) -> bytes:
    """The digest of bytes, or of a stream read in chunks from where it stands."""
    digest = hashlib.new(hash_name)
    if isinstance(content, bytes):
        digest.update(content)
    else:
        while chunk := content.read(1 << 20):
            digest.update(chunk)
    return digest.digest()


def sign_by_hand(content: bytes | BinaryIO, key: Key, cert: x509.Certificate, *,
                 hash_name: str = "sha1", content_type: str = "data",
                 attributes: bool = True, signers: int = 1) -> bytes:
    """The DER of a detached SignedData assembled with asn1crypto, `cert` embedded, signed by
    `key` (whether or not it is `cert`'s key); `signers` copies of the SignerInfo."""
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    hash_class = HASH_CLASSES[hash_name]
    signer = {
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": asn1_cert.issuer, "serial_number": asn1_cert.serial_number}}),
        "digest_algorithm": {"algorithm": hash_name},
    }
    if attributes:
        signer["signed_attrs"] = cms.CMSAttributes([
            {"type": "content_type", "values": [content_type]},
            {"type": "signing_time", "values": [cms.Time({"utc_time": datetime.now(UTC)})]},
            {"type": "message_digest", "values": [digest_of(content, hash_name)]},
        ])
        signed = signer["signed_attrs"].dump()
    else:
        signed = content if isinstance(content, bytes) else content.read()
    if isinstance(key, rsa.RSAPrivateKey):
        signer["signature_algorithm"] = {"algorithm": "rsassa_pkcs1v15"}
        signer["signature"] = key.sign(signed, padding.PKCS1v15(), hash_class())
    else:
        signer["signature_algorithm"] = {"algorithm": f"{hash_name}_ecdsa"}
        signer["signature"] = key.sign(signed, ec.ECDSA(hash_class()))
    signed_data = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": hash_name}],
        "encap_content_info": {"content_type": "data"},
        "certificates": [asn1_cert],
        "signer_infos": [cms.SignerInfo(signer) for _ in range(signers)],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
