"""Plain data for the printable forms (approval form, 推优入党 recommendation form) from a nomination."""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from states.nomination import BACK_DOWN_EVENTS, LEVEL_OF_STATE, REVIEW_LEVELS, review_chain
from workflow_app.certificates.models import Certificate
from workflow_app.certificates.pdf import ApprovalForm, FormLabels, RecommendationForm, ReviewBox, written_date
from workflow_app.core.timeutil import china_today, to_china
from workflow_app.extensions import db
from workflow_app.nominations.fields import FIELD_LABELS, ORGANISATION_NAME_LABEL, choice_label
from workflow_app.nominations.models import AuditEntry, Nomination

PERSON_ROWS = ("gender", "ethnicity", "birth_date", "political_status", "education", "work_unit", "post",
               "id_number", "category", "started_work_on", "honors_held")
ORGANISATION_ROWS = ("chair_name", "staff_count", "member_count", "satisfaction_rating", "honors_held")
LEVEL_BOX_LABELS = {"branch": _l("Branch union's opinion"), "township": _l("Township federation's opinion"),
                    "county": _l("County federation's opinion")}


def _locale() -> str:
    return str(get_locale() or "zh_Hans_CN")


def form_labels() -> FormLabels:
    """The forms' printed words in the current locale (the certificate itself is always Chinese)."""
    return FormLabels(
        locale=_locale(),
        honor=_("Honor recommended"),
        deeds=_("Main deeds"),
        unit_seal=_("Unit (seal): "),
        reviewer=_("Reviewer: "),
        reference=_("No.: "),
        campaign=_("Campaign: "),
        printed_on=_("Printed on: "),
        receiving_org=_("Receiving Party organisation"),
        vote_heading=_("Branch vote"),
        # Formats filled in by the PDF layer: no variables here, so the %-placeholders stay as they are.
        vote=_("%(expected)d members due, %(present)d present, %(votes_for)d in favour."),
        vote_with_share=_("%(expected)d members due, %(present)d present, %(votes_for)d in favour "
                          "(%(share)s%% of those present)."),
        recommendation=_("Recommendation"),
        recommending_union=_("Recommending union (seal): "),
        party_opinion=_("Opinion of the Party organisation"),
        party_seal=_("Party organisation (seal): "),
        blank_date=_("Date: ____________"),
    )


def _value(nomination: Nomination, name: str) -> str:
    value = getattr(nomination, name)
    if value is None:
        return ""
    if name in ("gender", "political_status", "education", "category"):
        return choice_label(name, value)
    if isinstance(value, date):
        return written_date(value, _locale())  # as the form's other dates
    return str(value)


def nominee_rows(nomination: Nomination) -> list[tuple[str, str]]:
    if nomination.is_person:
        rows = [(str(FIELD_LABELS["nominee_name"]), nomination.nominee_name)]
        rows += [(str(FIELD_LABELS[name]), _value(nomination, name)) for name in PERSON_ROWS]
    else:
        rows = [(str(ORGANISATION_NAME_LABEL), nomination.nominee_name)]
        rows += [(str(FIELD_LABELS[name]), _value(nomination, name)) for name in ORGANISATION_ROWS]
        if nomination.membership_rate is not None:
            rows.append((_("Membership rate"), f"{nomination.membership_rate:.1f}%"))
    return rows


def _opinions(nomination: Nomination) -> tuple[dict[str, AuditEntry], dict[str, list[AuditEntry]]]:
    """Per level, the opinion that stands (its latest approval, return or rejection) and the returns to it and
    recalls of its approval. A return to a lower level or a recall sends the nomination back down: that level and
    those above it review again, so their earlier opinions no longer stand (the history keeps the return)."""
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id)
                                 .order_by(AuditEntry.id)).all()
    latest: dict[str, AuditEntry] = {}
    history: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        level = LEVEL_OF_STATE.get(entry.from_state)
        if entry.event in BACK_DOWN_EVENTS:
            back_to = LEVEL_OF_STATE[entry.to_state]
            for again in REVIEW_LEVELS[REVIEW_LEVELS.index(back_to):]:
                latest.pop(again, None)
            history.setdefault(back_to, []).append(entry)
        elif level and entry.event in ("approve", "return_for_revision", "reject"):
            latest[level] = entry
    return latest, history


def _history_line(entry: AuditEntry) -> str:
    values = {"day": written_date(to_china(entry.created_at).date(), _locale()), "name": entry.actor_name,
              "unit": entry.actor_unit_name or "—", "comment": entry.comment}
    if entry.event == "recall_approval":
        return _("%(day)s: approval recalled by %(name)s (%(unit)s): %(comment)s", **values)
    return _("%(day)s: returned to this level by %(unit)s (%(name)s) to review again: %(comment)s", **values)


def approval_form_data(nomination: Nomination) -> ApprovalForm:
    approvals, history = _opinions(nomination)
    boxes = []
    for level in review_chain(nomination):
        entry = approvals.get(level)
        label = str(LEVEL_BOX_LABELS[level])
        earlier = tuple(_history_line(item) for item in history.get(level, ()))
        if entry is None:
            boxes.append(ReviewBox(level_label=label, history=earlier))
            continue
        opinion = entry.comment or (_("Approved.") if entry.event == "approve" else "")
        boxes.append(ReviewBox(level_label=label, opinion=opinion, reviewer=entry.actor_name,
                               unit=entry.actor_unit_name, day=to_china(entry.created_at).date(), history=earlier))
    return ApprovalForm(
        campaign=f"{nomination.campaign.year} {nomination.campaign.name}",
        honor=nomination.honor_type.name,
        nominee=nominee_rows(nomination),
        deeds=nomination.deeds_summary,
        reviews=boxes,
        title=_("Nomination approval form"),
        reference=str(nomination.id),
        printed_on=china_today(),
        labels=form_labels(),
    )


def recommendation_form_data(certificate: Certificate) -> RecommendationForm:
    nomination = certificate.nomination
    return RecommendationForm(
        receiving_org=_("The Party organisation of %(unit)s", unit=nomination.work_unit or nomination.org_unit.name),
        nominee=nominee_rows(nomination),
        members_expected=nomination.vote_due or 0,
        members_present=nomination.vote_present or 0,
        votes_for=nomination.vote_in_favour or 0,
        recommendation=certificate.wording,
        recommending_union=nomination.org_unit.name,
        day=certificate.issued_on,
        title=_("Recommendation of an outstanding union member for Party membership"),
        campaign=f"{nomination.campaign.year} {nomination.campaign.name}",
        reference=certificate.number,
        labels=form_labels(),
    )
