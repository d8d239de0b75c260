"""The delegation form."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired

from workflow_app.core.forms import Form


class DelegationForm(Form):
    delegate = SelectField(_l("Delegate"), coerce=int, validators=[DataRequired(_l("Choose a delegate."))])
    starts_on = DateField(_l("First day"), validators=[DataRequired(_l("Please enter a date."))])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(_l("Please enter a date."))])
