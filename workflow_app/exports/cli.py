"""``flask --app wsgi export nominations --campaign ID [--full] --out FILE.xlsx``

``group`` is the ``export`` command group. Other exports plug in as siblings: write the command in
the area's own module and add it in ``workflow_app.cli.register_cli`` with
``export_group.add_command(command)`` (e.g. ``export statistics``)."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import AppGroup

from workflow_app.campaigns.models import Campaign
from workflow_app.core import work
from workflow_app.exports.nominations import export_nominations
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.queries import ListFilters

group = AppGroup("export", help="Export lists as Excel (.xlsx) files.")


def write_atomically(out_path: Path, content: bytes) -> None:
    """A finished file or none: never half a file under the real name."""
    partial = out_path.with_name(out_path.name + ".part")
    partial.write_bytes(content)
    os.replace(partial, out_path)


@group.command("nominations")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
@click.option("--full", is_flag=True, help="Full ID numbers and phones (logged); masked without it.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@work.transactional
def nominations_command(campaign_id: int, full: bool, out_path: Path) -> None:
    """The campaign's nomination summary list (汇总表) as a county administrator sees it (no drafts)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"no campaign with id {campaign_id}")
    content, count = export_nominations(Nomination.state != "draft", ListFilters(campaign_id=campaign.id),
                                        full=full, actor=None)
    write_atomically(out_path, content)
    click.echo(f"{count} nominations written to {out_path} ({'full' if full else 'masked'} ID numbers and phones)")
