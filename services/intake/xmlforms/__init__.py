"""The official batch channel's XML forms: groundwork, a pure library of intake's write side.

The NSSO's batch channel takes files of XML forms dropped by SFTP: a `Dimona` file holds
`Form`s of DimonaIn, DimonaOut, DimonaUpdate, DimonaCancel or DailyRegistrationDeclaration;
a `FLXWAGE` file holds Flexi at work forms. Each file is acknowledged by an `ACRF` and each
declaration answered by a `NOTIFICATION` form. docs/sources.md §13 condenses the sources.

What is here:

- `schema/dimona.xsd`, `schema/flxwage.xsd`: what the project accepts of the two forms,
  written by the project (not the NSSO's XSDs), in the official element order, with the
  value types of the JSON declaration; `schema/acrf.xsd`, `schema/notification.xsd`: what
  the project writes back.
- `read.py`: `read_dimona(stream)`, `read_flxwage(stream)` -> one `FormResult` per form
  (a `schemas.declaration.Declaration`, or the form's own error), streaming (lxml
  iterparse, each form cleared after use) and secure (no DTD, no entities, no network; a
  DOCTYPE is refused); a file refused whole raises a `FileError` with its ACRF code.
- `mapping.py`: the tables that map each element to its JSON field, used both ways.
- `write.py`: `form_element(declaration)` (the reverse of the reader), `write_dimona`,
  `write_flxwage`, `acrf(...)` and `write_notifications(...)` from DeclarationDecided
  events, written incrementally (lxml xmlfile).
- `names.py`: FI/FS/GO names, the IN/INTEST/INTEST-S and OUT/OUTTEST/OUTTEST-S folders,
  FO.ACRF/FO.NOTI names; parsing refuses a wrong part with its ACRF code.
- `errors.py`: the typed file-level errors.

Used by services.intake.official_files (checks, records and answers a file set) and
services.intake.sftp_folders (the senders' folders): docs/adr/0011-official-batch-files.md.
`signature.py` checks an FS signature against the sender's certificate.
"""

from services.intake.xmlforms.errors import FileError, FileNameError, NotRepresentable
from services.intake.xmlforms.read import FormHeader, FormResult, read_dimona, read_flxwage
from services.intake.xmlforms.write import (
    HandledFile,
    Notice,
    acrf,
    form_element,
    unmapped_fields,
    write_dimona,
    write_flxwage,
    write_notifications,
)

__all__ = ["FileError", "FileNameError", "FormHeader", "FormResult", "HandledFile",
           "Notice", "NotRepresentable", "acrf", "form_element", "read_dimona",
           "read_flxwage", "unmapped_fields", "write_dimona", "write_flxwage",
           "write_notifications"]
