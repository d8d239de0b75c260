"""Forms of the review area: handing a leaver's reviewer role on."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from workflow_app.core.forms import Form


class ReassignForm(Form):
    assignment = SelectField(_l("Reviewer role"), coerce=int, validators=[DataRequired(_l("Choose a role."))])
    successor = SelectField(_l("Move it to"), coerce=int, validators=[DataRequired(_l("Choose a user."))])
    deactivate = BooleanField(_l("Deactivate the leaver's account"))
