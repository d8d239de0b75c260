"""Translations looked up once per request instead of once per string.

Flask-Babel resolves the catalog on every ``gettext`` call (the request context through several proxies,
the locale, ``str(locale)`` for the cache key): ~15 µs a call, and a list page makes 200–400 of them,
most from templates. Two fixes, same catalogs and same locale rules:

- ``RequestDomain`` keeps the catalog on Flask-Babel's own per-request context next to the locale it
  was loaded for, so Python ``gettext``/``lazy_gettext`` pay one lookup; a ``force_locale`` block
  (e-mails in the recipient's language) swaps the locale object and so gets its own catalog.
- A context processor hands each template render ``gettext``/``ngettext``/``_`` bound to the
  request's catalog (Jinja's i18n extension resolves ``_`` through the render context), with the
  extension's "newstyle" semantics: autoescaped, always %-formatted.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from workflow_app.core.formats import LOCALES


class RequestDomain(Domain):
    """Flask-Babel's default domain with the request's catalog remembered for the request."""

    def get_translations(self):
        try:
            ctx = g._flask_babel
        except (AttributeError, RuntimeError):  # outside a request, or before Flask-Babel's first lookup
            return super().get_translations()
        locale = getattr(ctx, "babel_locale", None) or get_locale()
        remembered = ctx.__dict__.get("request_catalog")
        if remembered is not None and remembered[0] is locale:
            return remembered[1]
        translations = super().get_translations()
        ctx.request_catalog = (locale, translations)
        return translations


def _template_callables(translations) -> dict:
    """``gettext``, ``ngettext`` and ``_`` for one render, as jinja2.ext's newstyle ones behave."""
    ugettext, ungettext = translations.ugettext, translations.ungettext

    @pass_context
    def gettext(context, string: str, **variables) -> str:
        text = ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        if not variables and "%" not in text:
            return text  # what ``text % {}`` gives, without Markup's formatting machinery
        return text % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        text = ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


def init_app(app: Flask, babel: Babel) -> None:
    babel.domain_instance = RequestDomain()

    @app.context_processor
    def request_translations() -> dict:
        return _template_callables(babel.domain_instance.get_translations())


def select_locale() -> str:
    """The user's saved choice, else the session's, else Chinese (also outside requests)."""
    if not has_request_context():
        return "zh_Hans_CN"
    if request.path.startswith("/api/"):
        # API clients carry no session: the Accept-Language header decides, Chinese by default.
        return "en" if request.accept_languages.best_match(["zh", "en"], default="zh") == "en" else "zh_Hans_CN"
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else "zh_Hans_CN"


def select_timezone() -> str:
    return "Asia/Shanghai"
