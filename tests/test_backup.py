"""Backups: ``backup`` writes one archive (database, uploads, manifest with checksums) and
``restore`` brings a fresh instance back to exactly that state — and refuses a damaged archive, an
archive of a newer schema, and a database that is not empty unless forced."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, select, text
from werkzeug.datastructures import FileStorage

from tests import factories
from tests.conftest import PG_ADMIN_URL, IsolatedClient, require
from workflow_app.app import create_app
from workflow_app.certificates.models import Certificate
from workflow_app.extensions import db
from workflow_app.nominations import services
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notice import services as notice_services

PDF = b"%PDF-1.4\n% the nominee's award certificate, scanned\n" + bytes(range(256)) * 40
LETTER = b"%PDF-1.4\n% a letter of objection\n"


@pytest.fixture
def filled(app, world):
    """A world worth restoring: nominations in several states (audit rows), an attachment file,
    an objection with its letter, and an issued certificate."""
    certified = factories.nomination(world.campaign, "advanced_worker", world.branch1, world.chair1,
                                     nominee_name="获证人")
    services.add_attachment(certified, FileStorage(io.BytesIO(PDF), filename="证明.pdf"), world.chair1)
    factories.bring_to(certified, "certified")
    noticed = factories.bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                                      world.chair1, nominee_name="公示人"), "public_notice")
    notice_services.record_objection(noticed, name="举报人", contact="13900000000", text="情况不实",
                                     upload=FileStorage(io.BytesIO(LETTER), filename="举报信.pdf"))
    factories.bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch2,
                                            world.chair2, nominee_name="退回人"), "returned", factories.SECOND_TOWNSHIP)
    db.session.commit()
    assert db.session.scalars(select(Certificate)).one()
    return world


def sibling(app, database_url: str, instance: Path):
    """Another instance of the app: its own database and instance (uploads) folder."""
    instance.mkdir(parents=True, exist_ok=True)
    application = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret-key", "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance), "UPLOAD_FOLDER": str(instance / "uploads"),
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture
def fresh(app, tmp_path):
    """A second instance of the app on an empty database of the same kind (never migrated)."""
    if db.engine.dialect.name == "postgresql":
        if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
            require("pg_dump", "WORKFLOW_REQUIRE_PG",
                    "pg_dump / pg_restore are not on PATH (apt-get install postgresql-client)")
        name = f"workflow_restore_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
        yield sibling(app, url, tmp_path / "fresh")
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield sibling(app, f"sqlite:///{tmp_path / 'fresh' / 'restored.db'}", tmp_path / "fresh")


def run(application, *args: str):
    with application.app_context():
        try:
            return application.test_cli_runner().invoke(args=list(args))
        finally:
            db.session.remove()
            db.engine.dispose()


def everything(database_url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = {}
            for table in db.metadata.sorted_tables:
                order = [column for column in table.primary_key.columns]
                tables[table.name] = [tuple(row) for row in connection.execute(table.select().order_by(*order))]
            tables["alembic_version"] = list(connection.execute(text("SELECT version_num FROM alembic_version")))
            return tables
    finally:
        engine.dispose()


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def assert_same_world(app, restored) -> None:
    before, after = everything(app.config["SQLALCHEMY_DATABASE_URI"]), everything(
        restored.config["SQLALCHEMY_DATABASE_URI"])
    for name in ("nomination", "audit_entry", "certificate", "attachment", "objection", "user_account"):
        assert before[name], f"the world has {name} rows to compare"
        assert after[name] == before[name], f"{name} differs after the restore"
    assert after == before
    original, copied = files_of(Path(app.config["UPLOAD_FOLDER"])), files_of(Path(restored.config["UPLOAD_FOLDER"]))
    assert PDF in original.values() and LETTER in original.values()
    assert copied == original, "every uploaded file comes back byte for byte"


def back_up(app, tmp_path) -> Path:
    archive = tmp_path / "backups" / "honors.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(archive)])
    assert result.exit_code == 0, result.output
    return archive


def rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of the archive with ``change(name, data, manifest)`` applied to each member."""
    with tarfile.open(archive, "r:gz") as source:
        members = {m.name: source.extractfile(m).read() for m in source.getmembers()}
    manifest = json.loads(members.pop("manifest.json"))
    members = {name: change(name, data, manifest) for name, data in members.items()}
    with tarfile.open(out, "w:gz") as target:
        for name, data in [("manifest.json", json.dumps(manifest).encode()), *members.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))
    return out


# ---------------------------------------------------------------- SQLite
def test_the_archive_holds_the_database_the_uploads_and_a_manifest_of_checksums(app, filled, tmp_path):
    archive = back_up(app, tmp_path)
    with tarfile.open(archive, "r:gz") as opened:
        names = set(opened.getnames())
        manifest = json.loads(opened.extractfile("manifest.json").read())
    assert names == {"manifest.json", *manifest["files"]}
    assert {name.split("/")[0] for name in manifest["files"]} == {"database", "uploads"}
    uploads = [n for n in manifest["files"] if n.startswith("uploads/")]
    assert len(uploads) == 3, "the attachment, the letter and the issued certificate"
    assert sum(n.startswith("uploads/certificates/") for n in uploads) == 1
    assert manifest["alembic_revision"] and manifest["app_version"]
    assert manifest["counts"]["nomination"] == 3 and manifest["counts"]["certificate"] == 1
    assert all(len(digest) == 64 for digest in manifest["files"].values())
    assert not list(archive.parent.glob("*.partial")) and not list(archive.parent.glob(".backup-*"))
    assert archive.stat().st_mode & 0o777 == 0o600, "personal data: readable by its owner only"


def test_a_backup_restored_into_a_fresh_instance_brings_back_every_row_and_file(app, filled, fresh, tmp_path):
    """On SQLite in the first pass of make test, on PostgreSQL (pg_dump, pg_restore) in the second."""
    archive = back_up(app, tmp_path)
    result = run(fresh, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "restored" in result.output
    assert_same_world(app, fresh)
    with fresh.app_context():
        response = fresh.test_client().post("/login", data={"username": "chair1", "password": factories.PASSWORD})
        assert response.status_code == 302, "the restored instance works"
        db.engine.dispose()


def test_restore_refuses_an_archive_whose_file_does_not_match_its_checksum(app, filled, fresh, tmp_path):
    archive = back_up(app, tmp_path)
    tampered = rewrite(archive, tmp_path / "tampered.tar.gz",
                       lambda name, data, manifest: data.replace(b"scanned", b"forged!") if name.startswith(
                           "uploads/") else data)
    result = run(fresh, "restore", str(tampered))
    assert result.exit_code != 0 and "checksum mismatch" in result.output
    assert not (tmp_path / "fresh" / "uploads").exists() or not any((tmp_path / "fresh" / "uploads").iterdir())
    with fresh.app_context():
        assert "nomination" not in inspect(db.engine).get_table_names(), "nothing was restored"
        db.engine.dispose()


@pytest.mark.parametrize("damage", ["truncated", "not_an_archive", "member_added"])
def test_restore_refuses_a_damaged_archive(app, filled, fresh, tmp_path, damage):
    archive = back_up(app, tmp_path)
    broken = tmp_path / "broken.tar.gz"
    if damage == "truncated":
        broken.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif damage == "not_an_archive":
        broken.write_bytes(b"this is not a backup")
    else:
        with tarfile.open(archive, "r:gz") as source, tarfile.open(broken, "w:gz") as target:
            for member in source.getmembers():
                target.addfile(member, source.extractfile(member))
            info = tarfile.TarInfo("uploads/../../evil.sh")
            info.size = 4
            target.addfile(info, io.BytesIO(b"boom"))
    result = run(fresh, "restore", str(broken))
    assert result.exit_code != 0 and "nothing was restored" in result.output
    assert not (tmp_path / "evil.sh").exists()


def test_restore_refuses_an_archive_from_a_newer_schema(app, filled, fresh, tmp_path):
    archive = back_up(app, tmp_path)

    def newer(name, data, manifest):
        manifest["alembic_revision"] = "9999"
        return data

    future = rewrite(archive, tmp_path / "future.tar.gz", newer)
    result = run(fresh, "restore", str(future))
    assert result.exit_code != 0 and "9999" in result.output and "upgrade the app first" in result.output


def test_restore_over_a_database_with_content_needs_force_and_keeps_the_old_files_aside(app, filled, fresh,
                                                                                          tmp_path):
    archive = back_up(app, tmp_path)
    later = factories.nomination(filled.campaign, "outstanding_union_worker", filled.branch1, filled.chair1,
                                 nominee_name="备份后新增")
    services.add_attachment(later, FileStorage(io.BytesIO(LETTER + b"later"), filename="后来.pdf"), filled.chair1)
    db.session.commit()
    db.session.remove()
    refused = run(app, "restore", str(archive))
    assert refused.exit_code != 0 and "--force" in refused.output
    assert db.session.scalar(select(Nomination).where(Nomination.nominee_name == "备份后新增")) is not None
    db.session.remove()  # as when the app is stopped for a restore: no connection holds a lock
    forced = run(app, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    db.session.remove()
    assert db.session.scalar(select(Nomination).where(Nomination.nominee_name == "备份后新增")) is None
    assert db.session.scalars(select(AuditEntry)).first() is not None
    uploads = Path(app.config["UPLOAD_FOLDER"])
    kept = [p for p in uploads.parent.glob(uploads.name + ".before-restore-*")]
    assert len(kept) == 1 and LETTER + b"later" in files_of(kept[0]).values(), "the replaced files are kept aside"
    assert LETTER + b"later" not in files_of(uploads).values()


# ---------------------------------------------------------------- PostgreSQL
@pytest.mark.postgres
def test_a_postgresql_backup_taken_while_the_app_writes_matches_its_manifest(app, filled, fresh, tmp_path):
    """pg_dump shares the snapshot in which the manifest's rows are counted, so rows written during
    the dump are in neither; restore checks the counts against the manifest."""
    if db.engine.dialect.name != "postgresql":
        require("PostgreSQL", "WORKFLOW_REQUIRE_PG", "pg_dump backups need PostgreSQL; run with TEST_PG_ADMIN_URL "
                "(make test does)")
    stop, written, user_id = threading.Event(), [], filled.chair1.id

    def keep_writing():
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        try:
            while not stop.is_set():
                with engine.begin() as connection:
                    connection.execute(text("INSERT INTO notification (user_id, kind, params, created_at) "
                                            "VALUES (:user, 'reminder', '{}', now())"), {"user": user_id})
                written.append(1)
        finally:
            engine.dispose()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        archive = back_up(app, tmp_path)
    finally:
        stop.set()
        writer.join(timeout=10)
    assert written, "the app wrote during the backup"
    result = run(fresh, "restore", str(archive))
    assert result.exit_code == 0, result.output
    with tarfile.open(archive, "r:gz") as opened:
        manifest = json.loads(opened.extractfile("manifest.json").read())
    restored = everything(fresh.config["SQLALCHEMY_DATABASE_URI"])
    assert len(restored["notification"]) == manifest["counts"]["notification"]


def test_without_pg_dump_the_backup_says_what_to_install(app, world, tmp_path, monkeypatch):
    from workflow_app.backup import database

    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(database.BackupError, match="pg_dump is not on PATH"):
        database._tool("pg_dump")
    assert os.environ["PATH"] == str(tmp_path / "empty-bin")
