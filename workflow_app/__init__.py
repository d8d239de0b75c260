"""Application factory: configuration, extensions, blueprints and CLI — nothing else."""

from __future__ import annotations

from flask import Flask

from workflow_app.config import PROJECT_ROOT, load_config


def create_app(overrides: dict | None = None) -> Flask:
    config = load_config(overrides)
    app = Flask(
        __name__,
        instance_path=config["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(config)

    from workflow_app import i18n, pagecache, web
    from workflow_app.core import generation, work
    from workflow_app.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    generation.install(db.session.session_factory.class_)  # every committed write changes the generation
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    app.before_request(pagecache.serve_kept_page)  # first: a kept page is answered before the user loads
    app.before_request(web.refuse_unnamed_fields)  # before the CSRF check, which trips over them
    csrf.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=web.select_timezone)
    i18n.init_app(app, babel)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    web.init_app(app)

    from workflow_app.admin.blueprint import bp as admin_bp
    from workflow_app.api.blueprint import bp as api_bp
    from workflow_app.api.pages import bp as api_tokens_bp
    from workflow_app.auth.blueprint import bp as auth_bp
    from workflow_app.certificates.blueprint import bp as certificates_bp
    from workflow_app.exports.blueprint import bp as exports_bp
    from workflow_app.imports.blueprint import bp as imports_bp
    from workflow_app.jobs.blueprint import bp as jobs_bp
    from workflow_app.nominations.blueprint import bp as nominations_bp
    from workflow_app.notice.blueprint import bp as notice_bp
    from workflow_app.notifications.blueprint import bp as notifications_bp
    from workflow_app.review.blueprint import bp as review_bp
    from workflow_app.stats.blueprint import bp as stats_bp

    for blueprint in (auth_bp, nominations_bp, review_bp, admin_bp, certificates_bp, notice_bp, notifications_bp,
                      stats_bp, exports_bp, imports_bp, api_bp, api_tokens_bp, jobs_bp):
        app.register_blueprint(blueprint)

    import workflow_app.api.models
    import workflow_app.jobs.models
    import workflow_app.notice.models
    import workflow_app.notifications.models
    import workflow_app.stats.models  # noqa: F401 (tables for migrations)
    from workflow_app.cli import register_cli

    register_cli(app)
    work.install(app)  # last: every view registered above runs as one unit of work
    if app.config["PROXY_HOPS"]:
        # Behind nginx: take the client address (rate limits, audit IP) and scheme from the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
