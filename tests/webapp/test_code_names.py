"""GB/T region and industry names in the reader's language: the web layer's helpers and the forms' hook."""
from __future__ import annotations

from forms import code_names as forms_code_names
from webapp import code_names


def test_names_follow_the_readers_language(app):
    with app.test_request_context("/", headers={"Cookie": "locale=en"}):
        assert code_names.english() and forms_code_names.english()
        assert code_names.region_label("440000", "440300") == "Shenzhen, Guangdong"
        assert code_names.industry_label("C3761") == "C3761 Manufacture of bicycles"
        assert code_names.province_options()["540000"] == "Tibet"
        assert '"150000":{"name":"Inner Mongolia"' in code_names.regions_json()
    with app.test_request_context("/"):
        assert not code_names.english() and not forms_code_names.english()
        assert code_names.region_label("440000", "440300") == "广东省 深圳市"
        assert code_names.industry_label("C3761") == "C3761 自行车制造"
        assert code_names.province_options()["540000"] == "西藏自治区"
    # outside a request (the CLI, the scheduler): Chinese
    assert not code_names.english() and code_names.region_label(None) == ""
