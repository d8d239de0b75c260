"""Forms of the import pages: the upload and the confirmation of a checked file."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp

from workflow_app.core.forms import Form
from workflow_app.imports.pending import TOKEN_PATTERN


class UploadForm(Form):
    file = FileField(_l("Excel file (.xlsx)"), validators=[FileRequired(_l("Choose a file to upload."))])


class ConfirmForm(Form):
    token = HiddenField(validators=[DataRequired(), Regexp(f"^{TOKEN_PATTERN}$")])
