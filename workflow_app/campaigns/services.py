"""Campaign set-up and quota bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from states.nomination import QUOTA_STATES
from workflow_app.campaigns.models import Campaign, HonorType, Quota
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.orgs.models import OrgUnit

CAMPAIGN_FIELDS = ("name", "year", "opens_on", "closes_on", "notice_days", "notice_working_days", "after_dismissal",
                   "reminder_days", "vote_quorum_numerator", "vote_quorum_denominator")


def save_campaign(campaign: Campaign, values: dict) -> Campaign:
    """The campaign's settings from the form's values; ``honor_types`` holds the ids offered (flushes)."""
    for name in CAMPAIGN_FIELDS:
        setattr(campaign, name, values[name])
    campaign.honor_types = list(db.session.scalars(select(HonorType).where(HonorType.id.in_(values["honor_types"]))))
    db.session.add(campaign)
    db.session.flush()
    return campaign


def create_campaign(county: OrgUnit, values: dict) -> Campaign:
    return save_campaign(Campaign(county=county), values)


def save_certificate_template(honor_type: HonorType, values: dict) -> None:
    """The honor's certificate template (wording, title, issuer, number format, seal, background): used
    from the next certificate issued on; issued ones keep the text they froze. Flushes."""
    for name, value in values.items():
        setattr(honor_type, name, value)
    db.session.flush()


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


def quota_for(nomination: Nomination, *, lock: bool = False) -> Quota | None:
    """The quota the nomination's honor has in its township (county-direct units: the county's)."""
    query = select(Quota).where(
        Quota.campaign_id == nomination.campaign_id,
        Quota.honor_type_id == nomination.honor_type_id,
        Quota.org_unit_id == nomination.quota_unit_id,
    )
    if lock:
        query = query.with_for_update(of=Quota)  # serialises county approvals of one quota (PostgreSQL)
    return db.session.scalar(query)


def quota_used(nomination: Nomination) -> int:
    """Places of that quota taken: nominations under notice, approved or certified."""
    return db.session.scalar(
        select(func.count(Nomination.id)).where(
            Nomination.campaign_id == nomination.campaign_id,
            Nomination.honor_type_id == nomination.honor_type_id,
            Nomination.quota_unit_id == nomination.quota_unit_id,
            Nomination.state.in_(QUOTA_STATES),
        )
    ) or 0
