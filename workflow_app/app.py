"""Application factory: configuration, extensions, the workflow's bindings, blueprints and CLI — nothing else."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from states import nomination, statistics_report
from workflow_app import web
from workflow_app.admin.blueprint import bp as admin_bp
from workflow_app.api.blueprint import bp as api_bp
from workflow_app.auth.blueprint import bp as auth_bp
from workflow_app.certificates import rules as certificate_rules
from workflow_app.certificates.blueprint import bp as certificates_bp
from workflow_app.cli import register_cli
from workflow_app.config import PROJECT_ROOT, load_config
from workflow_app.core import i18n, work
from workflow_app.delegations.blueprint import bp as delegations_bp
from workflow_app.exports.blueprint import bp as exports_bp
from workflow_app.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from workflow_app.imports.blueprint import bp as imports_bp
from workflow_app.jobs import models as job_models
from workflow_app.jobs.blueprint import bp as jobs_bp
from workflow_app.nominations import rules as nomination_rules
from workflow_app.nominations.blueprint import bp as nominations_bp
from workflow_app.notice import rules as notice_rules
from workflow_app.notice.blueprint import bp as notice_bp
from workflow_app.notifications import services as notifications
from workflow_app.notifications.blueprint import bp as notifications_bp
from workflow_app.review import models as review_models
from workflow_app.review import rules as review_rules
from workflow_app.review.blueprint import bp as review_bp
from workflow_app.stats import rules as statistics_rules
from workflow_app.stats.blueprint import bp as stats_bp
from workflow_app.tokens import models as token_models
from workflow_app.tokens.blueprint import bp as api_tokens_bp

# The areas that bind the workflows' names (guards, effects, routes) or subscribe to their transitions; loaded
# here so that ``check_bound`` finds every name bound, whatever the entry point imported first.
WORKFLOW_BINDINGS = (nomination_rules, notice_rules, certificate_rules, statistics_rules, review_rules, notifications)
# Tables no blueprint's import chain brings in, for the migrations' metadata.
TABLES = (job_models, review_models, token_models)
BLUEPRINTS = (auth_bp, nominations_bp, review_bp, delegations_bp, admin_bp, certificates_bp, notice_bp,
              notifications_bp, stats_bp, exports_bp, imports_bp, api_bp, api_tokens_bp, jobs_bp)


def create_app(overrides: dict | None = None) -> Flask:
    config = load_config(overrides)
    app = Flask(
        __name__,
        instance_path=config["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(config)
    for workflow in (nomination.WORKFLOW, statistics_report.WORKFLOW):
        workflow.check_bound()  # every guard, effect and route the definitions name has an area behind it

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    app.before_request(web.refuse_unnamed_fields)  # before the CSRF check, which trips over them
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app, babel)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    web.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_cli(app)
    work.install(app)  # last: every view registered above runs as one unit of work
    if app.config["PROXY_HOPS"]:
        # Behind nginx: take the client address (rate limits, audit IP) and scheme from the proxy.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
