"""``flask --app wsgi certificates print --campaign ID [--honor-type CODE] --out FILE.pdf``"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.certificates.pdf import MissingGlyphs
from workflow_app.certificates.printing import print_certificates
from workflow_app.certificates.services import batch_query
from workflow_app.core import work
from workflow_app.extensions import db

group = AppGroup("certificates", help="Print certificates.")


@group.command("print")
@work.transactional
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
@click.option("--honor-type", "honor_code", help="Only this honor type (its code, e.g. model_worker_home).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
def print_command(campaign_id: int, honor_code: str | None, out_path: Path) -> None:
    """All valid certificates of a campaign as one PDF, in print order, with a progress bar."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"no campaign with id {campaign_id}")
    honor_type_id = None
    if honor_code:
        honor = db.session.scalar(select(HonorType).where(HonorType.code == honor_code))
        if honor is None:
            raise click.ClickException(f"no honor type with code {honor_code!r}")
        honor_type_id = honor.id
    certificates = db.session.scalars(batch_query(campaign.id, honor_type_id)).all()
    if not certificates:
        raise click.ClickException("there are no certificates to print")
    partial = out_path.with_name(out_path.name + ".part")
    try:
        stderr = sys.stderr
        with click.progressbar(length=len(certificates), label="Printing", file=stderr) as bar, \
                partial.open("wb") as handle:
            job = print_certificates(certificates, None, handle, progress=lambda _done: bar.update(1))
        os.replace(partial, out_path)  # a finished file or none: never half a batch under the real name
    except MissingGlyphs as missing:
        partial.unlink(missing_ok=True)
        raise click.ClickException(str(missing)) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    click.echo(f"{len(certificates)} certificates written to {out_path} (print job {job})")
