"""People-facing labels of nomination fields and choice values (translated lazily)."""

from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "nominee_name": _l("Name"),
    "gender": _l("Gender"),
    "ethnicity": _l("Ethnicity"),
    "birth_date": _l("Date of birth"),
    "political_status": _l("Political status"),
    "education": _l("Education"),
    "work_unit": _l("Work unit"),
    "post": _l("Post"),
    "id_number": _l("ID number"),
    "phone": _l("Phone"),
    "category": _l("Category"),
    "started_work_on": _l("Started work on"),
    "honors_held": _l("Honors already held"),
    "chair_name": _l("Union chair"),
    "staff_count": _l("Staff"),
    "member_count": _l("Union members"),
    "satisfaction_rating": _l("Members' satisfaction (%)"),
    "deeds_summary": _l("Deeds summary"),
    "deeds_full": _l("Deeds (full text)"),
}
ORGANISATION_NAME_LABEL = _l("Union name")

CHOICE_LABELS = {
    "gender": {"male": _l("Male"), "female": _l("Female")},
    "political_status": {
        "party_member": _l("CPC member"),
        "probationary_party_member": _l("Probationary CPC member"),
        "league_member": _l("Communist Youth League member"),
        "democratic_party": _l("Democratic party member"),
        "masses": _l("Ordinary citizen"),
    },
    "education": {
        "postgraduate": _l("Postgraduate"),
        "undergraduate": _l("Undergraduate"),
        "college": _l("College (3-year)"),
        "high_school": _l("High school / technical school"),
        "middle_school": _l("Middle school"),
        "primary": _l("Primary school"),
    },
    "category": {
        "front_line_worker": _l("Front-line worker"),
        "technical": _l("Technical staff"),
        "enterprise_head": _l("Enterprise head"),
        "civil_service": _l("Civil service"),
        "farmer": _l("Farmer"),
        "migrant_worker": _l("Migrant worker"),
    },
}

ROLE_LABELS = {
    "submitter": _l("Branch chair"),
    "reviewer": _l("Reviewer"),
    "admin": _l("County administrator"),
    "system": _l("System"),
}
LEVEL_LABELS = {
    "province": _l("Province"),
    "city": _l("City"),
    "county": _l("County"),
    "township": _l("Township"),
    "branch": _l("Branch"),
}


def choice_label(field: str, value: str | None) -> str:
    if not value:
        return ""
    return str(CHOICE_LABELS.get(field, {}).get(value, value))
