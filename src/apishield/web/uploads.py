"""File uploads: count and size limits, type sniffed from the content, generated names, private storage.

The client's file name and declared content type are never trusted: the type comes from the file's magic
bytes, the stored name is random with the extension of the *sniffed* type, and the storage directory must
lie outside every directory the web server serves. Markup (HTML, SVG, XML) and executables are recognised
so they can be refused even when they arrive named ``photo.png``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from apishield.errors import ConfigError, Reject

DEFAULT_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"\x7fELF", "application/x-executable"),
    (b"MZ", "application/x-msdownload"),
    (b"#!", "text/x-script"),
)
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/gzip": ".gz",
    "text/plain": ".txt",
    "text/csv": ".csv",
}
_MARKUP = (b"<!doctype html", b"<html", b"<script", b"<head", b"<body", b"<iframe", b"<svg", b"<?xml")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def sniff(content: bytes) -> str:
    """The media type of ``content`` judged from its first bytes, never from a name."""
    for magic, media in _MAGIC:
        if content.startswith(magic):
            return media
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in head for marker in _MARKUP):
        return "image/svg+xml" if b"<svg" in head else "text/html"
    if b"\x00" not in content[:8192]:
        try:
            content[:8192].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < 8188:  # a multi-byte character cut at the boundary is still text
                return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


def safe_display_name(filename: str | None) -> str:
    """The client's file name reduced to a harmless label (no path, no markup), for display only."""
    base = re.split(r"[\\/]", filename or "")[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip("._")
    return cleaned[:100] or "upload"


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file as received: form field, client-supplied name (untrusted) and content."""

    field: str
    filename: str | None
    content: bytes


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """A file accepted and written: where it is, what it really is, and a display-safe original name."""

    field: str
    path: Path
    media_type: str
    size: int
    display_name: str


def _is_within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


class UploadPolicy:
    """Limits and storage for uploads. ``served_dirs`` are the directories the web server serves files from."""

    def __init__(
        self,
        storage_dir: str | os.PathLike[str],
        *,
        served_dirs: Iterable[str | os.PathLike[str]] = (),
        max_file_bytes: int = 10 * 1024 * 1024,
        max_files: int = 5,
        allowed_types: Iterable[str] = DEFAULT_TYPES,
    ) -> None:
        storage = Path(storage_dir)
        if not storage.is_absolute():
            raise ConfigError("uploads: storage_dir must be an absolute path outside any served directory")
        storage = storage.resolve()
        for served in served_dirs:
            served_path = Path(served).resolve()
            if _is_within(storage, served_path):
                raise ConfigError(
                    f"uploads: storage_dir {str(storage)!r} is inside the served directory {str(served_path)!r}; "
                    "store uploads outside it and serve them through a handler that sets the type"
                )
        if max_file_bytes <= 0 or max_files <= 0:
            raise ConfigError("uploads: max_file_bytes and max_files must be positive")
        types = tuple(allowed_types)
        risky = {"text/html", "image/svg+xml", "application/x-executable", "application/x-msdownload"} & set(types)
        if risky:
            raise ConfigError(f"uploads: {sorted(risky)} can carry scripts or code; do not accept them")
        self.storage_dir = storage
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.allowed_types = frozenset(types)

    def inspect(self, files: Sequence[UploadedFile]) -> list[str]:
        """Check count, sizes and sniffed types; returns the media types. Raises :class:`Reject`."""
        if len(files) > self.max_files:
            raise Reject(413, f"At most {self.max_files} files may be uploaded at once.", title="Too many files")
        types: list[str] = []
        for item in files:
            if len(item.content) > self.max_file_bytes:
                raise Reject(413, f"Each file may be at most {self.max_file_bytes} bytes.", title="File too large")
            if not item.content:
                raise Reject(400, "Empty files are not accepted.", title="Empty file")
            media = sniff(item.content)
            if media not in self.allowed_types:
                raise Reject(
                    415,
                    "The file's content is not an accepted type.",
                    title="Unsupported file type",
                    extra={"accepted": sorted(self.allowed_types)},
                )
            types.append(media)
        return types

    def save(self, files: Sequence[UploadedFile]) -> list[StoredUpload]:
        """Inspect, then write each file under a random name (mode 0600, never following links)."""
        types = self.inspect(files)
        self.storage_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        stored: list[StoredUpload] = []
        for item, media in zip(files, types, strict=True):
            path = self.storage_dir / f"{secrets.token_hex(16)}{EXTENSIONS.get(media, '.bin')}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(path, flags, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(item.content)
            stored.append(StoredUpload(item.field, path, media, len(item.content), safe_display_name(item.filename)))
        return stored


__all__ = [
    "DEFAULT_TYPES",
    "StoredUpload",
    "UploadPolicy",
    "UploadedFile",
    "safe_display_name",
    "sniff",
]
