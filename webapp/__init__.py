"""Web layer: Flask app factory, blueprints, templates, CLI and the JSON API."""
from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(test_config: dict | None = None) -> Flask:
    from engine import services
    from webapp import (
        account,
        account_notifications,
        api,
        api_compliance,
        api_openapi,
        api_operator,
        api_tokens,
        articles,
        auth,
        catalog,
        cli,
        compliance,
        config,
        db,
        declarations,
        design,
        design_forms,
        dictionaries,
        directory,
        doctor,
        errors,
        i18n,
        json_logs,
        manuals,
        metrics,
        operations,
        org_chart,
        organizations,
        outbox_worker,
        pilots,
        portal,
        profiles,
        progress_view,
        publicity,
        records,
        register,
        scheduler,
        security,
        statistics,
        tasks,
        team_guard,
        team_invitation,
        teams,
        views_util,
    )

    services.load_all()  # the platform functions BPMN service tasks name
    app = Flask(__name__)
    app.config.update(config.from_environment(test_config))
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    json_logs.init_app(app)  # first: the warnings below are then JSON too when asked
    security.init_app(app)  # headers on every response, the error pages' included
    if app.config["CAPTCHA_TEST_MODE"]:
        logging.getLogger("duibiao").warning(
            "DUIBIAO_CAPTCHA_TEST_MODE is on: the login captcha accepts 'PASSED'. "
            "Never use this in production.")
    doctor.warn_at_start(app)
    db.init_app(app)
    metrics.init_app(app)
    db.init_late_commits(app)  # after metrics: its COMMIT is settled before the answer is counted
    outbox_worker.init_app(app)
    i18n.init_app(app)
    views_util.init_app(app)
    auth.init_app(app)
    # The API's OpenAPI document, operator endpoints and 用户中心 tokens come after the API itself.
    for module in (portal, register, account, profiles, organizations, tasks, pilots, catalog, publicity,
                   compliance, declarations, articles, api, api_compliance, errors, operations,
                   api_openapi, api_operator, api_tokens, design, design_forms, cli, scheduler,
                   # issues 16 and 17
                   statistics, records, account_notifications, progress_view, directory, org_chart,
                   teams, team_invitation, team_guard, dictionaries,
                   manuals):
        module.init_app(app)
    return app
