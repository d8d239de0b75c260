"""What can run as a job: each kind names the area's function that does the work.

A kind's function is ``run(job, out, progress) -> Result``: it reads ``job.params``, writes its file
to ``out`` (a stream into the storage folder, never a buffer in memory), reports ``progress`` and may
add rows (print log, export log) that commit together with the job's "done". It raises ``JobFailed``
with a message for the user when the work cannot be done (any other exception is a bug: logged, and
the user is told the job failed unexpectedly). The same function runs in an RQ worker and inline."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from workflow_app.core.errors import UserError


class JobFailed(UserError):
    """The work cannot be done, for a reason the user can act on (``message``, translatable)."""

    category = "warning"


@dataclass(frozen=True)
class Result:
    """What the job's file is called when downloaded, and its type."""

    filename: str
    mimetype: str


@dataclass(frozen=True)
class Kind:
    label: object  # a lazy string
    target: str  # "module:function", imported when the job runs (no import cycle with the areas)
    suffix: str  # of the stored file

    def function(self) -> Callable:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)


KINDS: dict[str, Kind] = {
    "certificate_batch": Kind(_l("Certificate batch"), "workflow_app.certificates.batch:run_batch_job", ".bin"),
    "nomination_export": Kind(_l("Nomination summary (Excel)"), "workflow_app.exports.nominations:run_export_job",
                              ".xlsx"),
}
