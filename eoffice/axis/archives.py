"""Zip attachments of arriving axis packages, unpacked within limits into the files of the document.

The SDK sends the document file inside a zip (`application/zip`). Each regular member becomes a file
of the incoming document, followed by the zip itself as received (the original the sender signed).
A zip inside the attachment's zip is unpacked once more (and not kept); a zip one level deeper refuses
the package, as do too many files, too many decompressed bytes, a member that inflates beyond the
ratio limit, an absolute or `..` path, a symlink, an encrypted member and a corrupt archive.

Python's zipfile parses the archive in this process rather than in the bounded child of
eoffice.untrusted: it holds only the central directory in memory, and the members are read in chunks
with running totals checked after every chunk, never trusting the sizes the headers declare. Member
bytes go to spooled temporary files, so memory stays bounded by the chunk and spool sizes.
"""

from __future__ import annotations

import io
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from eoffice.axis.package import PackageFile
from eoffice.axis.xmlsig import PackageRefused
from eoffice.config import Settings
from eoffice.documents.operations.files import IncomingFile
from eoffice.storage.operations import clean_file_name

ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 64 * 1024
# Members up to this size stay in memory; bigger ones roll over to a temporary file.
SPOOL_BYTES = 1024 * 1024
# The ratio limit applies once a member has inflated past this: small members of text compress well.
RATIO_FLOOR = 1024 * 1024


# What zipfile raises for a corrupt archive or member (NotImplementedError: a compression it lacks).
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


@dataclass(frozen=True)
class ZipLimits:
    max_files: int
    max_bytes: int
    max_ratio: int


def limits_of(settings: Settings) -> ZipLimits:
    return ZipLimits(settings.axis_zip_max_files, settings.axis_zip_max_bytes, settings.axis_zip_max_ratio)


def is_zip(name: str, content_type: str, head: bytes) -> bool:
    """A zip by the type the sender declared, or by its bytes when its name says .zip (a .docx also
    starts with the zip magic, and stays a file)."""
    if content_type.split(";", 1)[0].strip().lower() in ZIP_TYPES:
        return True
    return head.startswith(ZIP_MAGIC) and name.lower().endswith(".zip")


class _Unpacking:
    """The running totals of one package's archives, and the files they gave."""

    def __init__(self, limits: ZipLimits, field: str):
        self.limits = limits
        self.field = field
        self.files: list[IncomingFile] = []
        self.total_bytes = 0

    def refuse(self, reason: str) -> PackageRefused:
        return PackageRefused(self.field, reason)

    def unpack(self, stream: BinaryIO, shown: str, depth: int) -> None:
        try:
            archive = zipfile.ZipFile(stream)
        except _UNREADABLE as exc:
            raise self.refuse(f"the zip archive {shown!r} is corrupt ({exc})") from None
        with archive:
            for member in archive.infolist():
                self._member(archive, member, shown, depth)

    def _member(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, shown: str, depth: int) -> None:
        path = member.filename
        parts = path.replace("\\", "/").split("/")
        if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":") or ".." in parts:
            raise self.refuse(f"the zip archive {shown!r} holds {path!r}, a path outside the archive")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise self.refuse(f"the zip archive {shown!r} holds {path!r}, a symbolic link")
        if member.flag_bits & 0x1:
            raise self.refuse(f"the zip archive {shown!r} holds {path!r}, which is encrypted")
        if member.is_dir():
            return
        if len(self.files) >= self.limits.max_files:
            raise self.refuse(f"the zip archives hold more than {self.limits.max_files} files")
        content = self._read(archive, member, shown)
        if content.tell() == 0:
            # An empty member is nothing to read, and the intake refuses empty files.
            content.close()
            return
        name = clean_file_name(unicodedata.normalize("NFC", path))
        content.seek(0)
        head = content.read(len(ZIP_MAGIC))
        content.seek(0)
        if head == ZIP_MAGIC and name.lower().endswith(".zip"):
            if depth >= 2:
                raise self.refuse(
                    f"the zip archive {shown!r} holds the zip {name!r} nested more than one level deep"
                )
            self.unpack(content, name, depth + 1)
            content.close()
            return
        self.files.append(IncomingFile(name, content))

    def _read(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, shown: str) -> BinaryIO:
        """The member's bytes, counted as they inflate: the header's sizes may lie."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        written = 0
        try:
            with archive.open(member) as source:
                while chunk := source.read(CHUNK):
                    written += len(chunk)
                    self.total_bytes += len(chunk)
                    if self.total_bytes > self.limits.max_bytes:
                        raise self.refuse(
                            f"the zip archives inflate to more than {self.limits.max_bytes} bytes"
                        )
                    ratio_bound = self.limits.max_ratio * max(member.compress_size, 1)
                    if written > RATIO_FLOOR and written > ratio_bound:
                        raise self.refuse(
                            f"the member {member.filename!r} of the zip archive {shown!r} inflates more "
                            f"than {self.limits.max_ratio} times its compressed size"
                        )
                    spool.write(chunk)
        except PackageRefused:
            spool.close()
            raise
        except _UNREADABLE as exc:
            spool.close()
            raise self.refuse(f"the zip archive {shown!r} is corrupt ({exc})") from None
        return spool


def incoming_files(files: list[PackageFile], limits: ZipLimits) -> list[IncomingFile]:
    """The package's attachments as files of the document, zip attachments unpacked (members first,
    then the zip as received). The limits are the package's, over all its archives. Raises
    PackageRefused naming the attachment and the reason."""
    result: list[IncomingFile] = []
    unpacking = _Unpacking(limits, "AttachmentEncoded")
    for index, file in enumerate(files):
        if not is_zip(file.name, file.content_type, file.content[: len(ZIP_MAGIC)]):
            result.append(IncomingFile(file.name, io.BytesIO(file.content)))
            continue
        unpacking.field = f"Attachment[{index}]"
        unpacked = len(unpacking.files)
        try:
            unpacking.unpack(io.BytesIO(file.content), clean_file_name(file.name), depth=1)
        except PackageRefused:
            for member in unpacking.files:
                member.stream.close()
            raise
        result.extend(unpacking.files[unpacked:])
        result.append(IncomingFile(_zip_name(file.name), io.BytesIO(file.content)))
    return result


def _zip_name(name: str) -> str:
    """The SDK names the zip after the file inside it (`1896_QD-TTg.doc`): kept, it says .zip."""
    return name if name.lower().endswith(".zip") else f"{name}.zip"
