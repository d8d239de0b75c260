"""A checked upload waiting for the administrator's confirmation, kept in the storage folder (any
app server may receive the confirmation).

Only its uploader may confirm it, within an hour; it is checked again at confirmation (the
database may have changed meanwhile) and removed once used."""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from workflow_app.core import storage

TOKEN_PATTERN = r"[A-Za-z0-9_-]{32}"
MAX_AGE_SECONDS = 3600


def _folder() -> Path:
    return storage.folder("imports")


def _sweep(folder: Path) -> None:
    """Drop uploads nobody confirmed."""
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def save(content: bytes, kind: str, filename: str, user_id: int) -> str:
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)  # 32 characters
    (folder / f"{token}.xlsx").write_bytes(content)
    (folder / f"{token}.json").write_text(json.dumps({"kind": kind, "filename": filename, "user_id": user_id}))
    return token


def load(token: str, kind: str, user_id: int) -> tuple[str, bytes] | None:
    """(filename, content) of the uploader's own pending file of this kind, if still there."""
    if not re.fullmatch(TOKEN_PATTERN, token or ""):
        return None
    folder = _folder()
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.xlsx"
    try:
        meta = json.loads(meta_path.read_text())
        if time.time() - meta_path.stat().st_mtime > MAX_AGE_SECONDS:
            return None
        content = data_path.read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("kind") != kind or meta.get("user_id") != user_id:
        return None
    return meta.get("filename", ""), content


def drop(token: str) -> None:
    if re.fullmatch(TOKEN_PATTERN, token or ""):
        folder = _folder()
        for suffix in (".json", ".xlsx"):
            (folder / f"{token}{suffix}").unlink(missing_ok=True)
