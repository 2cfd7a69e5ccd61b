"""The file-level errors of the official batch channel, each with its ACRF code.

A file-level error refuses the whole file: the ACRF says `ResultCode` 0 with the code as its
`ErrorID` (write.py). The codes are those of the NSSO's general list of error codes
(Annex 30) that the ACRF uses, written `ACRF-<code>` as the acknowledgements seen in public
integrations do (docs/sources.md §13). A problem in one form is not a file-level error: the
reader gives that form its own error and goes on (read.py).
"""

from __future__ import annotations


class FileError(Exception):
    """A file refused whole. `code` is the three-digit Annex 30 code."""

    code = "312"
    label = "the file is not valid against its XML schema"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"{self.label}: {detail}" if detail else self.label)

    @property
    def error_id(self) -> str:
        """The ACRF's ErrorID of this error."""
        return f"ACRF-{self.code}"


class MalformedXml(FileError):
    """Not well-formed XML, including a file cut short."""

    code = "102"
    label = "the XML syntax is not correct"


class DoctypeRefused(MalformedXml):
    """A DOCTYPE (and so any entity declaration): never parsed further, never expanded."""

    label = "the XML syntax is not accepted: a DOCTYPE is not allowed"


class EncodingUnsupported(FileError):
    """Not UTF-8 (a byte that is not UTF-8, or another declared encoding)."""

    code = "138"
    label = "the encoding is not supported: the file must be UTF-8"


class RootUnknown(FileError):
    code = "089"
    label = "the root element is unknown"


class NamespaceInvalid(FileError):
    code = "139"
    label = "the document has no default namespace, or not the right one"


class NotAForm(FileError):
    """A block directly under the root that is not a `Form`."""

    code = "205"
    label = "a data block is not a Form"


class NoDeclaration(FileError):
    code = "157"
    label = "no declaration was found in the file"


class LimitExceeded(FileError):
    """One form, or what stands between two forms, is larger than the reader takes; or a
    parser limit (a text node over 10 MB, nesting over 256 levels) was reached."""

    code = "184"
    label = "the file exceeds a size limit"


class FileNameError(FileError):
    """A file name (or its folder) that breaks the naming rules; `code` says which part."""

    label = "the file name is not valid"

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail)


class FileMissing(FileNameError):
    """A GO file without its FI file(s) (120), or a production file without the FS
    signature its sender's certificate calls for (122)."""

    label = "a file of the set is missing"


class SenderUnknown(FileError):
    """The sender of the folder or of the name is no senderId of the directory (or not the
    caller's)."""

    code = "103"
    label = "the sender is not allowed"


class FormRefused(FileError):
    """A form that is not valid against the project's schema, or that the declaration
    cannot take: the file is refused whole (ACRF 312), as the NSSO refuses a file that is
    not valid against its XML schema (docs/adr/0011-official-batch-files.md)."""

    code = "312"
    label = "the file is not valid against its XML schema"


class NotRepresentable(ValueError):
    """A declaration that the XML form cannot carry whole: the JSON fields it would lose
    (`fields`), or the schema's message when a value does not fit the form."""

    def __init__(self, fields: list[str], message: str = "") -> None:
        self.fields = fields
        super().__init__(message or "the XML form cannot carry " + ", ".join(fields))


class InvalidSignature(FileError):
    """The FS file does not prove that the sender signed the FI file as it came (signature.py):
    not base64, not a CMS SignedData, a digest or signature that does not match, an algorithm
    that is not taken, a certificate that is not valid."""

    code = "125"
    label = "the signature is not valid"
