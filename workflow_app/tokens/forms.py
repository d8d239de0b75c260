"""The form for creating an API token on the account page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from workflow_app.core.forms import Form
from workflow_app.tokens.services import MAX_DAYS

SCOPE_LABELS = {"read": _l("Read only"), "read_write": _l("Read and act (transitions)")}


class TokenForm(Form):
    name = StringField(_l("Name"), description=_l("What the token is for, e.g. “mobile app” or “county HR system”."),
                       validators=[DataRequired(_l("Please give the token a name.")), Length(max=64)])
    scope = SelectField(_l("Scope"), choices=[SelectChoice(value, label) for value, label in SCOPE_LABELS.items()],
                        default="read")
    days = IntegerField(_l("Valid for (days)"), description=_l("Leave empty for a token that lasts until revoked."),
                        validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)])
