"""统计分析 (programme office): the programme's figures as charts, each with its table and a CSV export."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Flask, Response, abort, render_template, request
from flask_babel import gettext as _

from engine import clock
from engine.domain.statistics import MAX_MONTHS
from forms.statistics import PeriodForm
from webapp import db
from webapp.auth import roles_required
from webapp.statistics_charts import CHARTS

bp = Blueprint("statistics", __name__, url_prefix="/office/statistics")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _period_form() -> PeriodForm:
    return PeriodForm(request.args, clock.to_china(clock.now()).date())


@bp.route("/")
@roles_required("office")
def index():
    form = _period_form()
    period = form.period()
    session = db.session()
    charts = [build(session, period) for build in CHARTS.values()]
    return render_template("statistics/index.html", form=form, period=period, charts=charts,
                           clamped=form.clamped(), max_months=MAX_MONTHS)


@bp.route("/<chart>.csv")
@roles_required("office")
def export(chart: str):
    """One chart's table as CSV (UTF-8 with a BOM, so that Excel reads the Chinese), for the same period."""
    build = CHARTS.get(chart)
    if build is None:
        abort(404)
    period = _period_form().period()
    table = build(db.session(), period)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([table.title, _("统计期间"), period.start.isoformat(), period.end.isoformat()])
    writer.writerow([table.label_title, *[column.title for column in table.columns]])
    for label, values in table.rows:
        writer.writerow([_cell(label), *values])
    name = f"statistics-{chart}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _cell(value) -> str:
    """A text cell Excel will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
