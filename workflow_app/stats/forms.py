"""Forms of the statistics area. The figures' consistency rules are the workflow's own
(``stats.figures.problems``): the form shows them next to the field, the machine enforces them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, HiddenField, IntegerField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workflow_app.core.forms import Form
from workflow_app.stats.figures import FIGURES, problems

FIGURE_LABELS = {
    "enterprise_units": _l("Enterprise legal-person units"),
    "units_with_union": _l("Units with their own union"),
    "units_in_joint_union": _l("Units covered by a joint union"),
    "workers": _l("Workers"),
    "members": _l("Union members"),
    "migrant_members": _l("of whom migrant-worker members"),
    "wage_bargaining_units": _l("Enterprises with wage collective bargaining"),
    "grassroots_unions": _l("Grassroots unions"),
}
MEASURE_LABELS = {
    "establishment": _l("Establishment rate"),
    "membership": _l("Membership rate"),
    "model_home_share": _l("Model worker homes"),
    "wage_bargaining": _l("Wage bargaining"),
}
TARGET_LABELS = {
    "establishment_rate": _l("Establishment rate"),
    "membership_rate": _l("Membership rate"),
    "model_home_share": _l("Model worker homes among grassroots unions"),
    "wage_bargaining_share": _l("Unionised enterprises with wage bargaining"),
}
MAX_FIGURE = 10_000_000


def period_label(year: int, quarter: int) -> str:
    if quarter:
        return str(_l("%(year)d, quarter %(quarter)d", year=year, quarter=quarter))
    return str(_l("%(year)d (whole year)", year=year))


def quarter_choices() -> list[SelectChoice]:
    return [SelectChoice(0, _l("Whole year")), *[SelectChoice(q, _l("Quarter %(q)d", q=q)) for q in range(1, 5)]]


def _figure(name: str) -> IntegerField:
    return IntegerField(FIGURE_LABELS[name], validators=[
        InputRequired(_l("Please enter a number (0 when there are none).")),
        NumberRange(min=0, max=MAX_FIGURE, message=_l("A whole number from 0 to %(max)d.", max=MAX_FIGURE))],
        render_kw={"inputmode": "numeric", "min": 0})


class ReportForm(Form):
    """The figures of one report; the period and unit are chosen on the first page."""

    version = HiddenField()
    enterprise_units = _figure("enterprise_units")
    units_with_union = _figure("units_with_union")
    units_in_joint_union = _figure("units_in_joint_union")
    workers = _figure("workers")
    members = _figure("members")
    migrant_members = _figure("migrant_members")
    wage_bargaining_units = _figure("wage_bargaining_units")
    grassroots_unions = _figure("grassroots_unions")
    membership_base = SelectField(_l("Membership rate counts the workers of"), default="unionised", choices=[
        SelectChoice("unionised", _l("unionised enterprises")), SelectChoice("all", _l("all enterprises"))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid:
            for name, message in problems(self.figures()):
                self[name].errors.append(message)
                valid = False
        return valid

    def figures(self) -> dict[str, int | None]:
        return {name: self[name].data for name in FIGURES}

    def report_data(self) -> dict:
        return {**self.figures(), "membership_base": self.membership_base.data, "note": self.note.data or ""}


class PeriodForm(Form):
    """Which unit and period a new report is for."""

    unit = SelectField(_l("Reporting unit"), coerce=int, validators=[DataRequired()])
    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Please enter the year.")),
                                                NumberRange(min=2000, max=2100, message=_l("Enter a year."))])
    quarter = SelectField(_l("Period"), coerce=int, default=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.quarter.choices = quarter_choices()


class ReportActionForm(Form):
    event = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    # Its length and characters are the workflow's guard (comment_is_valid), whoever calls.
    comment = TextAreaField(_l("Comment"), validators=[Optional()], render_kw={"rows": 2})


def _percent(label) -> DecimalField:
    return DecimalField(label, places=2, validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("A percentage from 0 to 100."))],
        render_kw={"inputmode": "decimal"})


class TargetForm(Form):
    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Please enter the year.")),
                                                NumberRange(min=2000, max=2100, message=_l("Enter a year."))])
    establishment_rate = _percent(TARGET_LABELS["establishment_rate"])
    membership_rate = _percent(TARGET_LABELS["membership_rate"])
    model_home_share = _percent(TARGET_LABELS["model_home_share"])
    wage_bargaining_share = _percent(TARGET_LABELS["wage_bargaining_share"])
