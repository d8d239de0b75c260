"""Every file the app keeps, under one configurable root, so any app server can serve any file.

``WORKFLOW_STORAGE`` names the root (default: the instance folder); each kind of file has its own
folder under it:

- ``uploads/``  attachments and objection evidence (``WORKFLOW_UPLOADS`` may still point elsewhere),
- ``uploads/certificates/``  each issued certificate's PDF, as issued (with the uploads, so backups carry it),
- ``imports/``  checked spreadsheets waiting for the administrator's confirmation (an hour at most),
- ``jobs/``     results of background jobs (batch PDFs, large exports) until they expire.

Several app servers behind a load balancer mount the same directory (NFS, a shared volume). Nothing
else is written to local disk by a request; sessions are signed cookies, rate limits live in Redis
when it is configured, and everything else is in the database. An S3-compatible backend is not
built: docs/deployment.md says how to mount one as a directory instead."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import current_app

AREAS = ("uploads", "certificates", "imports", "jobs")
# Our own names (random tokens, numbers): no separators, no leading dot, so never outside the folder.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")


def root() -> Path:
    return Path(current_app.config["STORAGE_ROOT"])


def folder(area: str) -> Path:
    """The folder of one kind of file, created on first use."""
    if area not in AREAS:
        raise ValueError(f"unknown storage area {area!r}")
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    path = {"uploads": uploads, "certificates": uploads / "certificates"}.get(area) or root() / area
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(area: str, name: str) -> Path:
    """Where a stored file lives. Names are ours (random or numbered), never a user's: refuse
    anything that could leave the folder."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise ValueError(f"not a storage name: {name!r}")
    return folder(area) / name


def new_name(suffix: str = "") -> str:
    return secrets.token_hex(16) + suffix


def write(area: str, name: str, content: bytes) -> Path:
    """Write a whole file under its final name, through a temporary one: readers on other servers
    see the finished file or none."""
    with open_for_writing(area, name) as handle:
        handle.write(content)
    return path_of(area, name)


@contextmanager
def open_for_writing(area: str, name: str) -> Iterator[BinaryIO]:
    """A file to stream into (large results are never held in memory); it appears under ``name``
    only when the block ends without an error, and not at all otherwise."""
    final = path_of(area, name)
    partial = final.with_name(final.name + ".part")
    try:
        with partial.open("wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())  # on disk before it has its name: a crash leaves all of it or none
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)


def remove(area: str, name: str) -> None:
    path_of(area, name).unlink(missing_ok=True)
