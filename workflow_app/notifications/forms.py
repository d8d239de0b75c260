"""Forms of the notifications area: the e-mail address notifications go to."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import Length, Optional, Regexp

from workflow_app.core.forms import Form


class EmailForm(Form):
    email = EmailField(_l("E-mail address for notifications"), validators=[
        Optional(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address."))])

