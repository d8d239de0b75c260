"""``backup`` and ``restore``: one tar.gz archive holding

    manifest.json        app version, alembic revision, rows per table, sha256 of every other member
    database/...         workflow.sqlite3 (SQLite) or workflow.dump (pg_dump's custom format)
    uploads/...          every file of the uploads folder (attachments, objection letters)

Restore checks everything before it touches anything: every member listed and matching its checksum,
no member that is not listed, a schema this code knows, and an empty target unless forced."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

from alembic.script import ScriptDirectory
from flask import current_app

from workflow_app.backup import database
from workflow_app.backup.database import BackupError
from workflow_app.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database/workflow.sqlite3", "postgresql": "database/workflow.dump"}
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Summary:
    """What a backup holds (or a restore brought back), for the command's output."""

    path: Path
    revision: str
    counts: dict[str, int]
    files: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _app_version() -> str:
    try:
        return metadata.version("workflow-app")
    except metadata.PackageNotFoundError:
        return "unknown"


def _dialect() -> str:
    name = db.engine.dialect.name
    if name not in DATABASE_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _uploads() -> list[tuple[str, Path]]:
    folder = _upload_folder()
    if not folder.is_dir():
        return []
    return [(PurePosixPath("uploads", *path.relative_to(folder).parts).as_posix(), path)
            for path in sorted(folder.rglob("*")) if path.is_file()]


# ---------------------------------------------------------------- backup
def create_backup(out: Path) -> Summary:
    """Write the archive to ``out`` (via a temporary name, so a failed backup leaves no archive)."""
    dialect = _dialect()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as work:
        dump = Path(work) / "database"
        if dialect == "sqlite":
            counts, revisions = database.sqlite_snapshot(db.engine, dump)
        else:
            counts, revisions = database.postgres_snapshot(db.engine, dump)
        members = [(DATABASE_FILES[dialect], dump), *_uploads()]
        manifest = {
            "format": FORMAT,
            "app_version": _app_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": dialect,
            "alembic_revision": ",".join(revisions),
            "counts": counts,
            "files": {name: _sha256(path) for name, path in members},
        }
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            encoded = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(encoded), int(datetime.now(UTC).timestamp()), 0o600
            archive.addfile(info, io.BytesIO(encoded))
            for name, path in members:
                archive.add(path, arcname=name, recursive=False)
        os.chmod(partial, 0o600)  # personal data: readable by the owner only
        os.replace(partial, out)
    return Summary(out, manifest["alembic_revision"], counts, len(members) - 1)


# ---------------------------------------------------------------- restore
def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        handle = archive.extractfile(MANIFEST)
        manifest = json.loads(handle.read()) if handle else None
    except (KeyError, ValueError, tarfile.TarError, OSError, EOFError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(
            manifest.get("files"), dict):
        raise BackupError("the archive has no readable manifest: it is damaged or not a backup of this app; "
                          "nothing was restored")
    return manifest


def _check_schema(manifest: dict) -> None:
    """Refuse an archive written by a newer version of the app: its schema has revisions this code
    does not know, and restoring it would leave a database the code cannot use."""
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    known = {script.revision for script in scripts.walk_revisions()}
    wanted = [rev for rev in str(manifest.get("alembic_revision") or "").split(",") if rev]
    unknown = [rev for rev in wanted if rev not in known]
    if not wanted or unknown:
        raise BackupError(f"the archive's schema revision {', '.join(unknown) or '(none)'} is unknown to this "
                          f"version of the app (a newer schema?): upgrade the app first, then restore")


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and path.parts[:1] in (("database",), ("uploads",))


def _extract_verified(archive: tarfile.TarFile, manifest: dict, into: Path) -> None:
    """Extract every member listed in the manifest, checking its sha256 on the way."""
    expected = dict(manifest["files"])
    for member in archive:
        if member.name == MANIFEST:
            continue
        if member.name not in expected or not member.isfile() or not _safe_name(member.name):
            raise BackupError(f"the archive holds {member.name!r}, which its manifest does not list: "
                              "refused; nothing was restored")
        target = into / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        source = archive.extractfile(member)
        with target.open("wb") as handle:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                handle.write(chunk)
        if digest.hexdigest() != expected.pop(member.name):
            raise BackupError(f"checksum mismatch for {member.name}: the archive is damaged; nothing was restored")
    if expected:
        raise BackupError(f"the archive lacks {', '.join(sorted(expected))}: it is damaged; nothing was restored")


def restore_backup(path: Path, *, force: bool = False) -> Summary:
    """Bring the database and the uploads folder back to the archive's state."""
    dialect = _dialect()
    uploads = _upload_folder()
    uploads.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=uploads.parent, prefix=".restore-") as work:
        try:
            with tarfile.open(path, "r:gz") as archive:
                manifest = _read_manifest(archive)
                if manifest.get("database") != dialect:
                    raise BackupError(f"the archive holds a {manifest.get('database')} database; this app uses "
                                      f"{dialect}")
                _check_schema(manifest)
                _extract_verified(archive, manifest, Path(work))
        except (tarfile.TarError, EOFError, OSError) as error:
            raise BackupError(f"the archive cannot be read ({error}): it is damaged; nothing was restored") from None
        occupied = database.holds_content(db.engine) or any(_uploads())
        if occupied and not force:
            raise BackupError("the database or the uploads folder is not empty: restoring would overwrite it. "
                              "Use --force to replace it (the uploads folder is kept aside).")
        db.session.remove()
        db.engine.dispose()
        dump = Path(work) / DATABASE_FILES[dialect]
        if dialect == "sqlite":
            database.copy_sqlite(dump, database.sqlite_path(db.engine))
        else:
            database.postgres_restore(db.engine, dump)
        _replace_uploads(Path(work) / "uploads", uploads)
    with db.engine.connect() as connection:
        restored = database.counts(connection)
    if any(restored.get(table) != count for table, count in manifest["counts"].items()):
        raise BackupError("the restored database's row counts differ from the manifest's: check the database")
    return Summary(Path(path), manifest["alembic_revision"], restored, len(manifest["files"]) - 1)


def _replace_uploads(restored: Path, uploads: Path) -> None:
    """Put the archive's files in place; files already there are moved aside, never deleted."""
    if uploads.exists() and any(uploads.iterdir()):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        os.replace(uploads, uploads.with_name(f"{uploads.name}.before-restore-{stamp}"))
    elif uploads.exists():
        uploads.rmdir()
    if restored.exists():
        shutil.move(str(restored), str(uploads))
    else:
        uploads.mkdir(parents=True)
