"""Campaign set-up and quota bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from states.nomination import QUOTA_STATES
from workflow_app.campaigns.models import Campaign, HonorType, Quota
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.orgs.models import OrgUnit


@dataclass
class QuotaCell:
    quota: int | None
    used: int


def quota_units(campaign: Campaign) -> list[OrgUnit]:
    """The townships of the campaign's county, then the county itself (for its direct units)."""
    townships = db.session.scalars(
        select(OrgUnit).where(OrgUnit.parent_id == campaign.county_id, OrgUnit.level == "township")
        .order_by(OrgUnit.code)
    ).all()
    return [*townships, campaign.county]


def quota_table(campaign: Campaign) -> dict[tuple[int, int], QuotaCell]:
    """(unit id, honor type id) → quota and places used, in two queries."""
    used = dict(
        ((unit_id, honor_id), count)
        for unit_id, honor_id, count in db.session.execute(
            select(Nomination.quota_unit_id, Nomination.honor_type_id, func.count(Nomination.id))
            .where(Nomination.campaign_id == campaign.id, Nomination.state.in_(QUOTA_STATES))
            .group_by(Nomination.quota_unit_id, Nomination.honor_type_id)
        )
    )
    quotas = {(q.org_unit_id, q.honor_type_id): q.quota for q in
              db.session.scalars(select(Quota).where(Quota.campaign_id == campaign.id))}
    keys = set(used) | set(quotas)
    return {key: QuotaCell(quota=quotas.get(key), used=used.get(key, 0)) for key in keys}


def set_quota(campaign: Campaign, honor_type: HonorType, unit: OrgUnit, value: int | None) -> None:
    """Set or clear (None) one quota; refuses to go below the places already used."""
    quota = db.session.scalar(select(Quota).where(
        Quota.campaign_id == campaign.id, Quota.honor_type_id == honor_type.id, Quota.org_unit_id == unit.id))
    if value is None:
        if quota is not None:
            db.session.delete(quota)
        return
    if quota is None:
        quota = Quota(campaign=campaign, honor_type=honor_type, org_unit=unit, quota=value)
        db.session.add(quota)
    quota.quota = value
