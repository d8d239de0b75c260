"""What every export does besides making its file: leave a row in the export log."""

from __future__ import annotations

from workflow_app.auth.models import User
from workflow_app.exports.models import ExportLog
from workflow_app.extensions import db


def record_export(kind: str, *, actor: User | None, filters: dict, row_count: int, full: bool = False,
                  client_ip: str | None = None) -> ExportLog:
    """Log one export (``actor`` None: the command line, logged as ``cli``). Flushes; the caller
    commits once the file is made, so a failed export leaves no row and a logged one always happened."""
    entry = ExportLog(kind=kind, actor_id=actor.id if actor else None,
                      actor_name=actor.display_name if actor else "cli", filters=filters, row_count=row_count,
                      full=full, client_ip=client_ip)
    db.session.add(entry)
    db.session.flush()
    return entry
