"""忘记密码 (from the login page): a reset link by e-mail, or a 手机验证码 to the account's phone; the
answers never tell whether an account exists (engine.domain.password_reset)."""
from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.domain import password_reset, sms
from engine.domain.password_reset import ResetError
from forms.password_reset import ForgotPasswordForm, ResetPasswordForm, SmsResetPasswordForm
from webapp import captcha_image, db
from webapp.auth import bp


def _link(raw: str) -> str:
    """The reset address: DUIBIAO_PUBLIC_URL when configured (never a Host header), else this host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for("auth.reset_password", token=raw)
    return url_for("auth.reset_password", token=raw, _external=True)


def _too_often(wait: int) -> str:
    return _("申请过于频繁，请 %(minutes)s 分钟后再试", minutes=max(1, wait // 60))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm(request.form if request.method == "POST" else None)
    channel = "sms" if request.form.get("channel") == "sms" else "email"
    if request.method == "POST" and form.validate():
        session = db.session()
        if not captcha_image.check(form.captcha.data):
            db.commit()  # the captcha is spent even when answered wrongly
            form.captcha.errors.append(_("验证码不正确"))
        else:
            wait = _send(session, form.email.data, channel)
            db.commit()  # the counts stand whatever the answer
            if wait:
                form.email.errors.append(_too_often(wait))
            elif channel == "sms":
                flash(_("如果该邮箱已注册且登记了手机号码，验证码已发送至该手机（10 分钟内有效），"
                        "请在下方填写。"), "info")
                return redirect(url_for("auth.reset_by_code", email=form.email.data.strip()))
            else:
                sent = _("如果该邮箱已注册，我们已向其发送重置密码的链接（30 分钟内有效，只能使用一次），请查收邮件。")
                return render_template("auth/forgot_password.html", form=ForgotPasswordForm(), sent=sent)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form, sent=None), status


def _send(session, email: str, channel: str) -> int:
    """Send a link or a code (when the account exists): 0, or the seconds to wait when throttled."""
    if channel == "sms":
        limits = sms.Limits(request.remote_addr, current_app.config["SMS_ADDRESS_LIMIT"],
                            current_app.config["SMS_HOURLY_LIMIT"])
        return password_reset.request_code(session, email, request.remote_addr, limits)
    return password_reset.request_link(session, email, request.remote_addr, _link)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    session = db.session()
    if password_reset.user_for_link(session, token) is None:
        response = make_response(render_template("auth/reset_password.html", form=None), 410)
    else:
        form = ResetPasswordForm(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate() and _reset(form, password_reset.reset_by_link,
                                                                    session, token, form.new_password.data):
            return _done()
        status = 422 if request.method == "POST" else 200
        response = make_response(render_template("auth/reset_password.html", form=form), status)
    # Referrer-Policy stays the platform's same-origin (Talisman): the token never reaches another site.
    return response


@bp.route("/password/reset/sms", methods=["GET", "POST"])
def reset_by_code():
    form = SmsResetPasswordForm(request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.email.data = request.args.get("email", "")[:254]
    elif form.validate() and _reset(form, password_reset.reset_by_code, db.session(), form.email.data,
                                    form.sms_code.data, form.new_password.data, request.remote_addr):
        return _done()
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset_by_code.html", form=form), status


def _reset(form, reset, *args) -> bool:
    """Run the domain's reset; a refusal goes to its field (the counts it made are kept, nothing else)."""
    try:
        reset(*args)
    except ResetError as exc:
        db.commit()  # refused before anything was changed: only the attempt counts are written
        form[exc.field].errors.append(exc.message)
        return False
    db.commit()
    return True


def _done():
    flash(_("密码已重置，请使用新密码登录。已登录的会话和 API 令牌均已失效。"), "success")
    return redirect(url_for("auth.login"))
