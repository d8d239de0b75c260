"""The base of every form in the app (``tests/test_text_input.py`` checks that none is left out)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from workflow_app.core.text import code_points, forbidden_characters, without_forbidden


class Form(FlaskForm):
    """A FlaskForm whose text fields refuse invisible control characters (``core.text``): the field says
    which ones, and comes back with them already removed, so saving again is all it takes."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field, StringField) and isinstance(field.data, str):
                found = forbidden_characters(field.data)
                if found:
                    field.data = without_forbidden(field.data)
                    field.errors = [*field.errors, _l(
                        "This text contained invisible control characters (%(codes)s); they have been removed. "
                        "Check the text and save again.", codes=code_points(found))]
                    valid = False
        return valid


class CsrfForm(Form):
    """CSRF only: for buttons that post (delete, revoke, retry, confirm)."""
