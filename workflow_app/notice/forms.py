"""Forms of the public notice: objections (online and entered by the county) and the holiday list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from workflow_app.core.forms import Form


def _too_long(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


class _ObjectionFields(Form):
    objector_name = StringField(_l("Your real name"), validators=[
        DataRequired(_l("Objections are accepted under a real name only.")), _too_long(64)],
        render_kw={"autocomplete": "name", "maxlength": 64})
    objector_contact = StringField(_l("Phone or address to reach you"), validators=[
        DataRequired(_l("Please give a way to reach you.")), _too_long(120)],
        render_kw={"autocomplete": "tel", "maxlength": 120})
    text = TextAreaField(_l("Your objection"), validators=[
        DataRequired(_l("Please write what you object to and why.")), _too_long(2000)],
        render_kw={"rows": 6, "maxlength": 2000})
    attachment = FileField(_l("Evidence (optional: PDF, JPEG or PNG)"))


class ObjectionForm(_ObjectionFields):
    """The public form. ``website`` is a honeypot: hidden from people, filled in by bots; ``token`` is
    a signed time the form was shown (services.form_token)."""

    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})
    token = HiddenField()


class EnteredObjectionForm(_ObjectionFields):
    """An objection received by phone or letter, typed in by a county reviewer."""

    channel = SelectField(_l("Received by"), validators=[DataRequired()],
                          choices=[SelectChoice("phone", _l("Phone")), SelectChoice("letter", _l("Letter"))])
    form_key = HiddenField()  # sent twice (a double click, a resend), it still records one objection


class HolidayForm(Form):
    day = DateField(_l("Day"), validators=[DataRequired(_l("Please enter a date."))])
    name = StringField(_l("Name"), validators=[Optional(), _too_long(64)],
                       render_kw={"placeholder": _l("e.g. National Day")})
    working = BooleanField(_l("A working day (weekend day worked in exchange, 调休)"))
