from tests.webapp.conftest import *  # noqa
import time

def test_probe(app, client, office, session_factory):
    code = request_sms_code(client, app)
    form = registration_form(code, business_license=pdf("sub/营业执照.pdf"))
    r = client.post("/register", data=form, content_type="multipart/form-data")
    print(r.status_code, field_errors(r))
    form = registration_form(code)
    t=time.time()
    r = client.post("/register", data=form, content_type="multipart/form-data")
    print(time.time()-t, r.status_code, r.headers.get("Location"))
    r = client.get("/account/status")
    print(text_of(r)[:800])
    runner = app.test_cli_runner()
    res = runner.invoke(args=["users", "token", "new@test.cn"])
    print("CLI", res.exit_code, res.output, res.exception)
    res = runner.invoke(args=["engine", "tick", "--now", "2026-12-05T00:00:00"])
    print("CLI", res.exit_code, res.output, res.exception)
