from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


class CampaignForm(FlaskForm):
    name = StringField(_l("Campaign name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)])
    year = IntegerField(_l("Year"), validators=[DataRequired(_l("Please enter the year.")),
                                                NumberRange(min=2000, max=2100, message=_l("Enter a year."))])
    opens_on = DateField(_l("Submissions open on"), validators=[DataRequired(_l("Please enter a date."))])
    closes_on = DateField(_l("Submission deadline"), validators=[DataRequired(_l("Please enter a date."))])
    notice_days = IntegerField(_l("Public notice (days)"), default=7, validators=[
        DataRequired(_l("Please enter the number of days.")),
        NumberRange(min=1, max=60, message=_l("From 1 to 60 days."))])
    notice_working_days = BooleanField(_l("Count working days only"))
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
