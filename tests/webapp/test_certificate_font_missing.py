"""Without the certificate font the platform says what to install (503), never a 500."""
from __future__ import annotations

import logging

from tests.webapp.compliance_flow import (
    application_fixture,  # noqa: F401
    enterprise_client_fixture,  # noqa: F401
    issued_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
)
from tests.webapp.helpers import text_of
from tests.webapp.pilot_flow import (
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
)

INSTALL_HINT = "证书字体未安装：请管理员安装 fonts-wqy-zenhei 或设置 DUIBIAO_CERTIFICATE_FONT"


def test_a_missing_font_answers_what_to_install(issued, client, monkeypatch, tmp_path, caplog):
    missing = tmp_path / "no-such-font.ttc"
    monkeypatch.setenv("DUIBIAO_CERTIFICATE_FONT", str(missing))
    url = f"/certificates/{issued.certificate_id}.pdf"
    with caplog.at_level(logging.ERROR, logger="webapp.errors"):
        first = client.get(url)
        second = client.get(url)
    for response in (first, second):
        assert response.status_code == 503
        assert response.mimetype == "text/html"
        assert INSTALL_HINT in text_of(response)
        assert str(missing) not in response.text  # a public page: the server's paths stay in the log
    reported = [record for record in caplog.records if record.name == "webapp.errors"]
    assert len(reported) == 1 and str(missing) in reported[0].getMessage()

    monkeypatch.delenv("DUIBIAO_CERTIFICATE_FONT")  # installed: the next request renders, no restart
    response = client.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
