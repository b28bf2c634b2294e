"""统计分析's period: 起始日期 and 截止日期 (a GET form; the figures are read for whole China-time days)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, ValidationError

from engine.domain.statistics import Period, clamp

DATE_MESSAGE = _l("请填写日期，格式如 2026-01-31")


def _readable(field) -> None:
    """WTForms' own message for a bad date is English: replace it with ours."""
    if field.raw_data and field.raw_data[0] and field.data is None:
        field.errors[:] = []
        raise ValidationError(DATE_MESSAGE)


class PeriodForm(Form):
    start = DateField(_l("起始日期"), format="%Y-%m-%d", render_kw={"type": "date"})
    end = DateField(_l("截止日期"), format="%Y-%m-%d", render_kw={"type": "date"})

    def __init__(self, formdata, today: date):
        super().__init__(formdata)
        self.default = Period.last_months(today)
        self.today = today
        self._period: Period | None = None

    def validate_start(self, field):
        _readable(field)

    def validate_end(self, field):
        _readable(field)
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("截止日期不能早于起始日期"))

    def period(self) -> Period:
        """The period asked for; the default (the last 12 months) for what is missing or wrong."""
        if self._period is None:
            self._period = self._read_period()
        return self._period

    def _read_period(self) -> Period:
        if not self.validate():
            return self.default
        start = self.start.data or self.default.start
        end = min(self.end.data or self.today, self.today)
        return clamp(Period(start, end)) if start <= end else self.default

    def clamped(self) -> bool:
        """True when the period asked for went further back than the charts do (MAX_MONTHS)."""
        return bool(self.start.data and self.start.data < self.period().start)
