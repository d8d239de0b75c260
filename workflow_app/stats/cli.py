"""``flask --app wsgi export statistics --period YEAR [--quarter Q] [--county CODE] --out FILE.xlsx``"""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale
from sqlalchemy import select

from workflow_app.core import work
from workflow_app.exports.cli import group, write_atomically
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit
from workflow_app.stats.export import export_statistics
from workflow_app.stats.services import StatisticsError, check_period


@group.command("statistics")
@click.option("--period", "year", type=int, required=True, help="The year, e.g. 2012.")
@click.option("--quarter", type=click.IntRange(0, 4), default=0, show_default=True, help="1–4, or 0 for the year.")
@click.option("--county", "county_code", help="The county's code (needed when there are several).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@work.transactional
def statistics_command(year: int, quarter: int, county_code: str | None, out_path: Path) -> None:
    """The statistics table of a period: every township's accepted figures, rates and targets."""
    query = select(OrgUnit).where(OrgUnit.level == "county")
    counties = db.session.scalars(query.where(OrgUnit.code == county_code) if county_code else query).all()
    if len(counties) != 1:
        raise click.ClickException(f"no county with code {county_code!r}" if county_code or not counties
                                   else "several counties: choose one with --county CODE")
    try:
        check_period(year, quarter)
    except StatisticsError as error:
        raise click.ClickException(str(error.message)) from None
    with force_locale("zh_Hans_CN"):  # the county's working language
        content = export_statistics(counties[0], year, quarter)
    write_atomically(out_path, content)
    click.echo(f"statistics of {counties[0].name} for {year}" + (f" Q{quarter}" if quarter else "")
               + f" written to {out_path}")
