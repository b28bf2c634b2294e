"""登录 / 退出 with an image captcha, login throttling, and the access rules of the web pages."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import wraps

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import select

from engine import clock
from engine.domain import auth as accounts
from forms.account import LoginForm
from storage.models import SpentNonce, User
from webapp import captcha_image, db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录")
login_manager.localize_callback = str  # flash the message translated, as a plain str
login_manager.login_message_category = "warning"


class WebUser:
    """Flask-Login's view of a user row."""

    def __init__(self, user: User, nonce: str | None = None):
        self.row = user
        # This session's own random id: logging out spends it, so the old cookie opens nothing more.
        self.nonce = nonce or secrets.token_urlsafe(16)

    def __getattr__(self, name):
        return getattr(self.row, name)

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.row.is_enabled

    def get_id(self) -> str:
        # The session holds the id and a stamp of the password hash: changing the password
        # ends every other session of the user (see load_user).
        return f"{self.row.id}:{password_stamp(self.row)}:{self.nonce}"


def password_stamp(user: User) -> str:
    """A keyed digest of the password hash and the session epoch (the session cookie is signed, not
    encrypted): a new password or engine.domain.auth.end_sessions ends every session stamped before."""
    key = str(current_app.secret_key).encode()
    stamped = f"{user.password_hash}:{user.session_epoch or 0}".encode()
    return hmac.new(key, stamped, hashlib.sha256).hexdigest()[:24]


@login_manager.user_loader
def load_user(session_id: str):
    user_id, stamp, nonce = (session_id.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not nonce:  # a session from before nonces: log in again
        return None
    # The user, with whether this session logged out, in one statement (every page loads it).
    found = db.session().execute(
        select(User, SpentNonce.nonce).outerjoin(SpentNonce, SpentNonce.nonce == nonce[:64])
        .where(User.id == int(user_id))).first()
    if found is None or found[1] is not None:
        return None
    user = found[0]
    if not user.is_enabled or not hmac.compare_digest(stamp, password_stamp(user)):
        return None
    return WebUser(user, nonce)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    from webapp import password_reset  # noqa: F401 (忘记密码: its routes join this blueprint)

    app.register_blueprint(bp)
    app.before_request(keep_disabled_organizations_out)


# Of the pages that only ask for a login, a user of a disabled (停用) organisation may still open
# 注册状态 and 我的消息. Role pages refuse every organisation that is not active (roles_required),
# the public pages stay public, and the API answers with its own refusal (webapp.api.token_required).
LOGIN_ONLY_BLUEPRINTS = frozenset({"account", "profiles", "tasks"})
LOGIN_ONLY_ENDPOINTS = frozenset({"files.download"})
DISABLED_ALLOWED = frozenset({"account.home", "account.status", "account.message_list", "account.password"})


def keep_disabled_organizations_out():
    """Send a disabled organisation's users to 注册状态 from the pages above (None: go on)."""
    if request.endpoint in DISABLED_ALLOWED or not (
            request.blueprint in LOGIN_ONLY_BLUEPRINTS or request.endpoint in LOGIN_ONLY_ENDPOINTS):
        return None
    if not current_user.is_authenticated or current_user.organization.status != "disabled":
        return None
    return _to_status_page()


def _to_status_page():
    """An organisation that is not active sees its 注册状态; a disabled one is told why it is there."""
    if current_user.organization.status == "disabled":
        flash(_("您单位的帐号已停用，只能查看注册状态和“我的消息”"), "warning")
    return redirect(url_for("account.status"))


def roles_required(*roles: str):
    """Logged in, organisation approved, and holding one of ``roles``."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.organization.is_active:
                return _to_status_page()
            if roles and not current_user.role_set & set(roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def active_required(view):
    return roles_required()(view)


def throttle_keys(email: str) -> list[str]:
    """Per account (few failures) and per client address (many: offices share one NAT address)."""
    return accounts.login_keys(email, request.remote_addr)


@bp.route("/captcha.png")
def captcha():
    response = make_response(captcha_image.new_image())
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/captcha.txt")
def captcha_text():
    """文字验证码: the captcha as a question in words, for those who cannot read the image."""
    response = make_response(captcha_image.new_question())
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        session = db.session()
        keys = throttle_keys(form.email.data)
        wait = accounts.blocked_seconds(session, keys)
        if wait:
            form.password.errors.append(_("登录失败次数过多，请 %(minutes)s 分钟后再试", minutes=max(1, wait // 60)))
        elif not captcha_image.check(form.captcha.data):
            db.commit()  # the captcha is spent even when answered wrongly
            form.captcha.errors.append(_("验证码不正确"))
        elif not accounts.reserve_attempt(session, keys):
            db.commit()
            wait = accounts.blocked_seconds(session, keys)
            form.password.errors.append(_("登录失败次数过多，请 %(minutes)s 分钟后再试", minutes=max(1, wait // 60)))
        else:
            db.commit()  # the attempt counts before its password is checked (parallel tries cannot slip by)
            user = accounts.verify_credentials(session, form.email.data, form.password.data)
            if user is None or not user.is_enabled:
                accounts.record_failure(session, keys)
                db.commit()
                form.password.errors.append(_("用户名或密码不正确"))
            else:
                accounts.clear_failures(session, keys)
                user.last_login_at = clock.now()
                db.commit()
                login_user(WebUser(user))
                return redirect(_safe_next() or url_for("account.home"))
    return render_template("auth/login.html", form=form)


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else None


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:  # the cookie, if kept or copied, opens nothing any more
        # A signed session cookie is refused once older than the session lifetime: remember that long.
        accounts.spend_nonce(db.session(), current_user.nonce, current_app.permanent_session_lifetime)
        db.commit()
    logout_user()
    flash(_("您已退出登录"), "info")
    return redirect(url_for("portal.home"))
