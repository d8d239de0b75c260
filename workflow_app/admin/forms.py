from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from workflow_app.certificates.numbering import NumberFormatError, check_number_format
from workflow_app.certificates.printable import printable
from workflow_app.certificates.services import WordingError, check_wording
from workflow_app.core.forms import Form


class CampaignForm(Form):
    name = StringField(_l("Campaign name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120),
                                                        printable])  # on the notice and the forms
    year = IntegerField(_l("Year"), validators=[DataRequired(_l("Please enter the year.")),
                                                NumberRange(min=2000, max=2100, message=_l("Enter a year."))])
    opens_on = DateField(_l("Submissions open on"), validators=[DataRequired(_l("Please enter a date."))])
    closes_on = DateField(_l("Submission deadline"), validators=[DataRequired(_l("Please enter a date."))])
    notice_days = IntegerField(_l("Public notice (days)"), default=7, validators=[
        DataRequired(_l("Please enter the number of days.")),
        NumberRange(min=1, max=60, message=_l("From 1 to 60 days."))])
    notice_working_days = BooleanField(_l("Count working days only"))
    after_dismissal = SelectField(_l("After a dismissed objection"), default="remainder", choices=[
        SelectChoice("remainder", _l("The notice resumes for the days that were left")),
        SelectChoice("fresh", _l("A fresh notice period starts"))])
    reminder_days = IntegerField(_l("Remind about to-dos older than (days)"), default=3, validators=[
        DataRequired(_l("Please enter the number of days.")),
        NumberRange(min=1, max=60, message=_l("From 1 to 60 days."))])
    vote_quorum_numerator = IntegerField(_l("Vote quorum (numerator)"), default=4, validators=[
        DataRequired(), NumberRange(min=1, max=99)])
    vote_quorum_denominator = IntegerField(_l("Vote quorum (denominator)"), default=5, validators=[
        DataRequired(), NumberRange(min=1, max=99)])
    honor_types = SelectMultipleField(_l("Honors offered"), coerce=int, widget=ListWidget(prefix_label=False),
                                      option_widget=CheckboxInput(),
                                      validators=[DataRequired(_l("Choose at least one honor."))])

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The deadline cannot be before the opening day."))

    def validate_vote_quorum_numerator(self, field):
        if field.data and self.vote_quorum_denominator.data and field.data > self.vote_quorum_denominator.data:
            raise ValidationError(_l("A quorum cannot exceed one whole."))


class CertificateTemplateForm(Form):
    """What a certificate of one honor type says and looks like."""

    certificate_title = StringField(_l("Title"), validators=[DataRequired(_l("Please enter a title.")),
                                                             Length(max=64), printable])
    certificate_wording = TextAreaField(_l("Wording"), validators=[Length(max=500), printable], render_kw={"rows": 3})
    issuer = StringField(_l("Issuer"), validators=[DataRequired(_l("Please enter the issuer.")), Length(max=120),
                                                   printable])
    number_prefix = StringField(_l("Number prefix"), validators=[Length(max=16), printable])
    number_format = StringField(_l("Number format"), validators=[DataRequired(_l("Please enter a format.")),
                                                                 Length(max=120), printable])
    seal = FileField(_l("Seal (PNG with a transparent background)"))
    remove_seal = BooleanField(_l("Remove the seal"))
    background = FileField(_l("Background image (PNG or JPEG)"))
    remove_background = BooleanField(_l("Remove the background"))

    def validate_certificate_wording(self, field):
        if field.data:
            try:
                check_wording(field.data)
            except WordingError as error:
                raise ValidationError(error.message) from None

    def validate_number_format(self, field):
        try:
            check_number_format(field.data or "")
        except NumberFormatError as error:
            raise ValidationError(error.message) from None
