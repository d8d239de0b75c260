"""Nomination forms. Drafts may be incomplete; what is filled in must be valid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from workflow_app.certificates.printable import printable
from workflow_app.core.formats import lazy_day
from workflow_app.core.forms import CsrfForm, Form
from workflow_app.core.idnumber import InvalidIdNumber, parse_id_number
from workflow_app.core.timeutil import china_today
from workflow_app.nominations.fields import CHOICE_LABELS, FIELD_LABELS, ORGANISATION_NAME_LABEL
from workflow_app.nominations.models import DEEDS_FULL_MAX, DEEDS_SUMMARY_MAX

PHONE = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"


def _choices(field: str):
    return [SelectChoice("", _l("— choose —"))] + [SelectChoice(v, label) for v, label in CHOICE_LABELS[field].items()]


def _too_long(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


def _not_future(form, field):
    if field.data and field.data > china_today():
        raise ValidationError(_l("This date is in the future."))


class _NominationForm(Form):
    """Fields every nomination has; ``version`` catches edits of a stale page."""

    version = HiddenField()
    form_key = HiddenField()  # on the new-nomination form only: sent twice, it still creates one
    deeds_summary = TextAreaField(FIELD_LABELS["deeds_summary"],  # printed on the approval form and notice
                                  validators=[Optional(), _too_long(DEEDS_SUMMARY_MAX), printable],
                                  render_kw={"maxlength": DEEDS_SUMMARY_MAX, "rows": 4})
    deeds_full = TextAreaField(FIELD_LABELS["deeds_full"], validators=[Optional(), _too_long(DEEDS_FULL_MAX)],
                               render_kw={"maxlength": DEEDS_FULL_MAX, "rows": 10})
    honors_held = TextAreaField(FIELD_LABELS["honors_held"], validators=[Optional(), _too_long(500), printable],
                                render_kw={"rows": 2})
    phone = StringField(FIELD_LABELS["phone"], validators=[
        Optional(), Regexp(PHONE, message=_l("Enter an 11-digit mobile number or a landline like 0394-5212345."))])

    def nominee_data(self) -> dict:
        """The model's fields from the form, with empty strings stored as None."""
        skip = {"csrf_token", "version", "form_key"}
        data = {}
        for name, field in self._fields.items():
            if name in skip:
                continue
            value = field.data
            if isinstance(value, str):
                value = value.strip()
                if value == "" and name not in ("deeds_summary", "deeds_full", "nominee_name"):
                    value = None
            data[name] = value
        return data


class PersonNominationForm(_NominationForm):
    nominee_name = StringField(FIELD_LABELS["nominee_name"], validators=[
        DataRequired(_l("Please enter the nominee's name.")), _too_long(100), printable])
    gender = SelectField(FIELD_LABELS["gender"], choices=_choices("gender"), validators=[Optional()])
    ethnicity = StringField(FIELD_LABELS["ethnicity"], validators=[Optional(), _too_long(16), printable],
                            render_kw={"placeholder": _l("e.g. Han, Hui (full name)")})
    birth_date = DateField(FIELD_LABELS["birth_date"], validators=[Optional(), _not_future])
    political_status = SelectField(FIELD_LABELS["political_status"], choices=_choices("political_status"),
                                   validators=[Optional()])
    education = SelectField(FIELD_LABELS["education"], choices=_choices("education"), validators=[Optional()])
    work_unit = StringField(FIELD_LABELS["work_unit"], validators=[Optional(), _too_long(120), printable])
    post = StringField(FIELD_LABELS["post"], validators=[Optional(), _too_long(64), printable])
    id_number = StringField(FIELD_LABELS["id_number"], validators=[Optional()],
                            render_kw={"maxlength": 18, "autocomplete": "off"})
    category = SelectField(FIELD_LABELS["category"], choices=_choices("category"), validators=[Optional()])
    started_work_on = DateField(FIELD_LABELS["started_work_on"], validators=[Optional(), _not_future])

    def validate_id_number(self, field):
        if not field.data:
            return
        try:
            parsed = parse_id_number(field.data, today=china_today())
        except InvalidIdNumber as error:
            raise ValidationError(str(error)) from None
        field.data = parsed.value
        if self.birth_date.data and self.birth_date.data != parsed.birth_date:
            raise ValidationError(_l("The ID number says the birth date is %(day)s.",
                                     day=lazy_day(parsed.birth_date)))
        if self.gender.data and self.gender.data != parsed.gender:
            raise ValidationError(_l("The ID number does not match the gender chosen."))

    def validate_started_work_on(self, field):
        if field.data and self.birth_date.data and field.data <= self.birth_date.data:
            raise ValidationError(_l("Work cannot start before birth."))

    def nominee_data(self) -> dict:
        data = super().nominee_data()
        if data.get("id_number"):  # fill what the ID number already says
            parsed = parse_id_number(data["id_number"], today=china_today())
            data["birth_date"] = data.get("birth_date") or parsed.birth_date
            data["gender"] = data.get("gender") or parsed.gender
        return data


class OrganisationNominationForm(_NominationForm):
    nominee_name = StringField(ORGANISATION_NAME_LABEL, validators=[
        DataRequired(_l("Please enter the union's name.")), _too_long(100), printable])
    chair_name = StringField(FIELD_LABELS["chair_name"], validators=[Optional(), _too_long(64), printable])
    staff_count = IntegerField(FIELD_LABELS["staff_count"], validators=[
        Optional(), NumberRange(min=1, max=1_000_000, message=_l("Enter a whole number from 1."))])
    member_count = IntegerField(FIELD_LABELS["member_count"], validators=[
        Optional(), NumberRange(min=0, max=1_000_000, message=_l("Enter a whole number from 0."))])
    satisfaction_rating = IntegerField(FIELD_LABELS["satisfaction_rating"], validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("Enter a percentage from 0 to 100."))])

    def validate_member_count(self, field):
        if field.data is not None and self.staff_count.data and field.data > self.staff_count.data:
            raise ValidationError(_l("There cannot be more members than staff."))


def form_class_for(honor_type) -> type[_NominationForm]:
    return PersonNominationForm if honor_type.nominee_kind == "person" else OrganisationNominationForm


class NewNominationForm(Form):
    """First step: which campaign, honor and unit."""

    campaign_id = SelectField(_l("Campaign"), coerce=int, validators=[DataRequired(_l("Choose a campaign."))])
    honor_type_id = SelectField(_l("Honor"), coerce=int, validators=[DataRequired(_l("Choose an honor."))])
    org_unit_id = SelectField(_l("Nominating unit"), coerce=int,
                              validators=[DataRequired(_l("Choose the nominating unit."))])


class AttachmentForm(Form):
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[FileRequired(_l("Choose a file to upload."))])


class TransitionForm(Form):
    event = HiddenField(validators=[DataRequired()])  # the name of the button pressed
    version = IntegerField(validators=[DataRequired()])
    # Its length and characters are the workflow's guards (comment_is_valid, comment_is_printable), which every
    # entry point runs: the web form, bulk review and the API.
    comment = TextAreaField(_l("Comment"), validators=[Optional()], render_kw={"rows": 2})
    vote_due = IntegerField(_l("Members due"), validators=[Optional(), NumberRange(min=0, max=100000)])
    vote_present = IntegerField(_l("Present"), validators=[Optional(), NumberRange(min=0, max=100000)])
    vote_in_favour = IntegerField(_l("In favour"), validators=[Optional(), NumberRange(min=0, max=100000)])
    # Which lower level a return sends it to; the workflow checks it is one of this nomination's chain.
    return_level = StringField(_l("Return to"), validators=[Optional(), Length(max=16)])


DeleteForm = CsrfForm  # the nomination pages' name for it
