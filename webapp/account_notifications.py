"""用户中心 → 消息设置: which e-mails the user receives (新待办, 每日汇总, 办理结果); on the account blueprint."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import task_notifications
from engine.domain import messages
from forms.notifications import NotificationSettingsForm
from webapp import db
from webapp.account import bp


def init_app(app: Flask) -> None:
    """The notification templates' translations and the address their links start with."""
    task_notifications.configure(translations_dir=Path(app.root_path) / "translations",
                                 base_url=app.config.get("PUBLIC_URL"))


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    session = db.session()
    if request.method == "POST":
        form = NotificationSettingsForm(request.form)
        messages.save_preferences(session, current_user.id,
                                  **{name: getattr(form, name).data for name in messages.PREFERENCE_FIELDS})
        db.commit()
        flash(_("消息设置已保存"), "success")
        return redirect(url_for("account.notification_settings"))
    form = NotificationSettingsForm(obj=messages.preference_of(session, current_user.id))
    return render_template("account/notifications.html", form=form)
