from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from workflow_app.core.forms import Form


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Please enter your username.")),
                                                      Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    next = HiddenField()


class LanguageForm(Form):
    locale = HiddenField()
    next = HiddenField()


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Please enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(_l("Please enter a new password.")),
                                                                 Length(max=128)])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Please enter the new password again.")),
        EqualTo("new_password", _l("The two new passwords differ."))])
    next = HiddenField()
