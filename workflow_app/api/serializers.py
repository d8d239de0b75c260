"""Rows as JSON-ready dicts. The shapes are the schemas of ``openapi.py``; a test checks every
response against them. Labels are in the request's language; codes stay English."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from states.nomination import EVENT_LABELS, STATE_LABELS
from workflow_app.core.idnumber import mask_id_number, mask_phone
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.orgs.models import OrgUnit

PERSON_DETAIL = ("gender", "ethnicity", "birth_date", "political_status", "education", "work_unit", "post",
                 "category", "started_work_on")
ORGANISATION_DETAIL = ("chair_name", "staff_count", "member_count", "satisfaction_rating")


def timestamp(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with the offset: programs convert; people see China time in the app."""
    return value.isoformat() if value is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def unit(item: OrgUnit | None) -> dict | None:
    if item is None:
        return None
    return {"id": item.id, "code": item.code, "name": item.name, "level": item.level}


def nomination_summary(n: Nomination) -> dict:
    """What a list shows: ID number and phone masked, as on the list pages."""
    return {
        "id": n.id,
        "state": n.state,
        "state_label": str(STATE_LABELS.get(n.state, n.state)),
        "version": n.version,
        "nominee_name": n.nominee_name,
        "nominee_kind": n.honor_type.nominee_kind,
        "id_number": mask_id_number(n.id_number) or None,
        "phone": mask_phone(n.phone) or None,
        "campaign": {"id": n.campaign.id, "name": n.campaign.name, "year": n.campaign.year},
        "honor_type": {"id": n.honor_type.id, "code": n.honor_type.code, "name": n.honor_type.name},
        "unit": unit(n.org_unit),
        "township": unit(n.quota_unit),
        "created_at": timestamp(n.created_at),
        "updated_at": timestamp(n.updated_at),
        "submitted_at": timestamp(n.submitted_at),
    }


def nomination_detail(n: Nomination, *, chain: list[str], offers: list, certificate) -> dict:
    """The nomination page's content: personal data in full (the caller may view the nomination)."""
    data = nomination_summary(n)
    data["id_number"] = n.id_number
    data["phone"] = n.phone
    fields = PERSON_DETAIL if n.is_person else ORGANISATION_DETAIL
    data["details"] = {name: _plain(getattr(n, name)) for name in fields}
    data.update(
        honors_held=n.honors_held,
        deeds_summary=n.deeds_summary,
        deeds_full=n.deeds_full,
        vote=({"due": n.vote_due, "present": n.vote_present, "in_favour": n.vote_in_favour}
              if n.vote_due is not None else None),
        notice={"starts_on": day(n.notice_starts_on), "ends_on": day(n.notice_ends_on), "result": n.notice_result}
        if n.notice_starts_on else None,
        review_chain=chain,
        available_events=[offer.event for offer in offers],
        # What each action needs, as the workflow describes it (the page's buttons read the same).
        actions=[{"event": offer.event, "label": str(offer.label), "needs_comment": offer.needs_comment,
                  "confirm": str(offer.confirm) if offer.confirm else None, "inputs": list(offer.inputs),
                  "choices": {name: list(values) for name, values in offer.choices.items()}}
                 for offer in offers],
        attachments=[{"id": a.id, "name": a.original_name, "content_type": a.content_type, "size": a.size,
                      "uploaded_at": timestamp(a.uploaded_at)} for a in n.attachments],
        certificate=({"number": certificate.number, "issued_on": day(certificate.issued_on),
                      "revoked": certificate.is_revoked} if certificate is not None else None),
    )
    return data


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def audit_event(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "event": entry.event,
        "event_label": str(EVENT_LABELS.get(entry.event, entry.event)),
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "actor_name": entry.actor_name,
        "actor_role": entry.actor_role,
        "actor_unit": entry.actor_unit_name or None,
        "on_behalf_of": entry.on_behalf_of_name,
        "comment": entry.comment or "",
        "created_at": timestamp(entry.created_at),
    }


def certificate_status(certificate) -> dict:
    """What the public verification page shows, and nothing more."""
    return {
        "status": "revoked" if certificate.is_revoked else "valid",
        "number": certificate.number,
        "holder": certificate.recipient,
        "honor": certificate.honor_name,
        "issuer": certificate.issuer,
        "issued_on": day(certificate.issued_on),
        "revoked_at": timestamp(certificate.revoked_at),
    }


# ---------------------------------------------------------------- statistics
def _row(row) -> dict:
    gaps = {}
    for measure, gap in row.gaps.items():
        gaps[measure] = None if gap is None else {"status": gap.status, "points": number(gap.points),
                                                  "needed": gap.needed}
    return {
        "unit": unit(row.unit),
        "figures": row.figures,
        "model_homes": row.model_homes,
        "pending_state": row.pending_state,
        "report_id": row.report.id if row.report is not None else None,
        "rates": {measure: number(value) for measure, value in row.rates.items()},
        "gaps": gaps,
        "change": {measure: number(value) for measure, value in row.change.items()},
    }


def dashboard(board, measures: tuple[str, ...], target_columns: dict[str, str]) -> dict:
    target = board.target
    return {
        "county": unit(board.county),
        "year": board.year,
        "quarter": board.quarter,
        "targets": ({measure: number(getattr(target, target_columns[measure])) for measure in measures}
                    if target is not None else None),
        "filed": board.filed,
        "rows": [_row(row) for row in board.rows],
        "total": _row(board.total),
        "trend": [{"year": point["year"], "quarter": point["quarter"], "units": point["units"],
                   "rates": {m: number(v) for m, v in point["rates"].items()},
                   "targets": {m: number(v) for m, v in point["targets"].items()}} for point in board.trend],
    }
