"""注册: the three steps of the manual on one page, with 获取验证码 over fetch()."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_user
from werkzeug.datastructures import CombinedMultiDict

from engine.domain import registration, sms
from engine.domain.registration import Documents, RegistrationError
from forms import regions
from forms.fields import PHONE
from forms.registration import RegisterForm
from webapp import code_names, db
from webapp.auth import WebUser

bp = Blueprint("register", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return render_template("auth/register.html", form=RegisterForm(),
                               regions_json=code_names.regions_json())
    form = RegisterForm(CombinedMultiDict((request.files, request.form)))
    session = db.session()
    if form.validate():
        problem = sms.check_code(session, form.phone.data.strip(), form.sms_code.data)
        if problem:
            form.sms_code.errors.append(problem)
            db.commit()  # keep the failed-attempt count, nothing else was written
        else:
            try:
                user, _instance = _create(session, form)
            except RegistrationError as exc:
                db.rollback()
                getattr(form, exc.field).errors.append(exc.message)
            else:
                db.commit()
                login_user(WebUser(user))
                flash(_("注册信息已提交，请等待专项办审核。审核结果将通过“我的消息”通知您。"), "success")
                return redirect(url_for("account.status"))
    return render_template("auth/register.html", form=form, regions_json=code_names.regions_json()), 422


def _create(session, form: RegisterForm):
    store = db.file_store()
    documents = Documents({
        kind: store.save(session, data, name, "application/pdf")
        for kind, (data, name) in form.documents().items()
    })
    return registration.register(
        session, form.user_type.data, form.email.data, form.password.data,
        form.organization_fields(), documents)


@bp.route("/register/sms-code", methods=["POST"])
def sms_code():
    phone = (request.form.get("phone") or "").strip()
    if not PHONE.match(phone):
        return jsonify({"ok": False, "field": "phone", "message": _("请输入 11 位手机号码")}), 422
    limits = sms.Limits(request.remote_addr, current_app.config["SMS_ADDRESS_LIMIT"],
                        current_app.config["SMS_HOURLY_LIMIT"])
    result = sms.issue_code(db.session(), phone, "register", limits, locale=str(get_locale()))
    if not result.sent:
        db.commit()  # the address and platform counts stand (nothing else was written)
        return jsonify({"ok": False, "field": "sms_code", "retry_after": result.retry_after,
                        "message": _sms_refusal(result)}), 429
    db.commit()
    return jsonify({"ok": True, "retry_after": result.retry_after,
                    "message": _("验证码已发送，10 分钟内有效")})


def _sms_refusal(result) -> str:
    if result.limited_by == "address":
        return _("本机获取验证码过于频繁，请 %(minutes)s 分钟后再试", minutes=max(1, result.retry_after // 60))
    if result.limited_by == "platform":
        return _("短信发送繁忙，请 %(minutes)s 分钟后再试", minutes=max(1, result.retry_after // 60))
    return _("请 %(seconds)s 秒后再获取验证码", seconds=result.retry_after)


@bp.route("/regions/<province_code>.json")
def cities(province_code: str):
    return jsonify(regions.cities(province_code, english=code_names.english()))
