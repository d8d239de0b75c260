"""Forms of the notifications area: e-mail address, delegation, reviewer reassignment."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, SelectField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from workflow_app.core.forms import Form


class EmailForm(Form):
    email = EmailField(_l("E-mail address for notifications"), validators=[
        Optional(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address."))])


class DelegationForm(Form):
    delegate = SelectField(_l("Delegate"), coerce=int, validators=[DataRequired(_l("Choose a delegate."))])
    starts_on = DateField(_l("First day"), validators=[DataRequired(_l("Please enter a date."))])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(_l("Please enter a date."))])


class ReassignForm(Form):
    assignment = SelectField(_l("Reviewer role"), coerce=int, validators=[DataRequired(_l("Choose a role."))])
    successor = SelectField(_l("Move it to"), coerce=int, validators=[DataRequired(_l("Choose a user."))])
    deactivate = BooleanField(_l("Deactivate the leaver's account"))
