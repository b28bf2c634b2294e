import pytest

from engine.domain.keys import search_key
from forms import standards
from forms.standards import StandardNumberError, is_valid, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 团体标准
        ("T/ABC 001-2023", "T/ABC 001-2023"),
        ("T/ABC-2023", "T/ABC-2023"),
        ("T/CSAE 53-2020", "T/CSAE 53-2020"),
        ("T/ZJ2B 12-2021", "T/ZJ2B 12-2021"),
        ("T/ZJ2B-2021", "T/ZJ2B-2021"),
        # 国家标准
        ("GB/T 1234-2020", "GB/T 1234-2020"),
        ("GB 2233-2022", "GB 2233-2022"),
        ("GB/Z 123-2020", "GB/Z 123-2020"),
        ("GB/T 1.1—2020", "GB/T 1.1-2020"),
        ("GB/T 20000.1-2014", "GB/T 20000.1-2014"),
        ("GB 4789.2.1-2016", "GB 4789.2.1-2016"),
        ("GB/T 1234-1950", "GB/T 1234-1950"),
        ("GB/T 1234-2099", "GB/T 1234-2099"),
        # 行业标准
        ("JB/T 10001-2019", "JB/T 10001-2019"),
        ("QC/T 29106-2014", "QC/T 29106-2014"),
        ("SJ/T 11364-2014", "SJ/T 11364-2014"),
        ("YY/T 0287-2017", "YY/T 0287-2017"),
        ("JGJ/T 123-2012", "JGJ/T 123-2012"),
        ("HJ 2.1-2016", "HJ 2.1-2016"),
        ("GBZ 2.1-2019", "GBZ 2.1-2019"),
        ("GJB 9001C-2017", "GJB 9001C-2017"),
        ("GJB/Z 299C-2006", "GJB/Z 299C-2006"),
        # 地方标准
        ("DB11/T 1234-2020", "DB11/T 1234-2020"),
        ("DB11 1234-2020", "DB11 1234-2020"),
        ("DB44/ 123-2019", "DB44 123-2019"),
        ("DB4403/T 100-2020", "DB4403/T 100-2020"),
        # 企业标准
        ("Q/ABC 001-2023", "Q/ABC 001-2023"),
        ("Q/GDW 10001-2018", "Q/GDW 10001-2018"),
        # International references (对标依据)
        ("ISO 12345-2020", "ISO 12345-2020"),
        ("ISO 12345:2020", "ISO 12345:2020"),
        ("IEC 60335-1:2020", "IEC 60335-1:2020"),
        ("IEC 61000-4-2:2008", "IEC 61000-4-2:2008"),
        ("ISO/IEC 27001:2022", "ISO/IEC 27001:2022"),
        ("EN ISO 13485:2016", "EN ISO 13485:2016"),
        ("ISO/TS 16949:2009", "ISO/TS 16949:2009"),
        ("IEEE 802.11-2020", "IEEE 802.11-2020"),
        ("JIS 12345-2021", "JIS 12345-2021"),
        ("JIS B 0001:2019", "JIS B 0001:2019"),
    ],
)
def test_accepted_forms(text, expected):
    assert normalize(text) == expected
    assert is_valid(text)
    assert normalize(expected) == expected  # canonical form is a fixed point


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ｔ／ＡＢＣ　００１－２０２３", "T/ABC 001-2023"),
        ("ＧＢ／Ｔ１２３４－２０２０", "GB/T 1234-2020"),
        ("GB/T 1234‐2020", "GB/T 1234-2020"),
        ("GB/T 1234‑2020", "GB/T 1234-2020"),
        ("GB/T 1234‒2020", "GB/T 1234-2020"),
        ("GB/T 1234–2020", "GB/T 1234-2020"),
        ("GB/T 1234—2020", "GB/T 1234-2020"),
        ("GB/T 1234―2020", "GB/T 1234-2020"),
        ("GB/T 1234－2020", "GB/T 1234-2020"),
        ("GB/T1234-2020", "GB/T 1234-2020"),
        ("GB/T    1234-2020", "GB/T 1234-2020"),
        ("GB/T\t1234 - 2020", "GB/T 1234-2020"),
        ("gb/t 1234-2020", "GB/T 1234-2020"),
        ("GBT 1234-2020", "GB/T 1234-2020"),
        ("  T/ABC 001-2023 \n", "T/ABC 001-2023"),
        ("t/abc 001—2023", "T/ABC 001-2023"),
        ("T/ABC001-2023", "T/ABC 001-2023"),
        ("T/ ABC 001-2023", "T/ABC 001-2023"),
        ("t/abc-2023", "T/ABC-2023"),
        ("jb/t10001-2019", "JB/T 10001-2019"),
        ("db11/t1234-2020", "DB11/T 1234-2020"),
        ("DB44/123-2019", "DB44 123-2019"),
        ("q/abc001-2023", "Q/ABC 001-2023"),
        ("gjb 9001c-2017", "GJB 9001C-2017"),
        ("iso 12345：2020", "ISO 12345:2020"),
        ("ISO12345:2020", "ISO 12345:2020"),
        ("IEC 60335‑1:2020", "IEC 60335-1:2020"),
    ],
)
def test_tolerated_variants(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写标准号"),
        ("   ", "请填写标准号"),
        ("\u3000", "请填写标准号"),
        (None, "请填写标准号"),
        ("GB/T 1234", "标准号应包含发布年份，如 T/ABC 001-2023"),
        ("GB/T 1234-", "标准号应包含发布年份，如 T/ABC 001-2023"),
        ("T/ABC 001", "标准号应包含发布年份，如 T/ABC 001-2023"),
        ("T/ABC", "标准号应包含发布年份，如 T/ABC 001-2023"),
        ("DB11/T 1234", "标准号应包含发布年份，如 T/ABC 001-2023"),
        ("IEC 60335-1", "标准号应包含发布年份，如 T/ABC 001-2023"),
        ("GB/T 1234-20", standards.MSG_BAD_YEAR),
        ("GB/T 1234-3020", standards.MSG_BAD_YEAR),
        ("GB/T 1234-1949", standards.MSG_BAD_YEAR),
        ("GB/T 1234-20201", standards.MSG_BAD_YEAR),
        ("T/ABC 001-23", standards.MSG_BAD_YEAR),
        ("ISO 12345:3020", standards.MSG_BAD_YEAR),
        ("1234-2020", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("ABCD 1234-2020", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("GB/X 1234-2020", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("GB/T 12A4-2020", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("JB/T 1234A-2019", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("GB/T 1.2.3.4-2020", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("Q/ABC-2023", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("T/A 001-2023", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("T/ABCDEFGHIJK 001-2023", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("DB99/T 1234-2020", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("DB1234-2020", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("GB/T 1234:2020", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("国标 1234-2020", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("GB/T 1234-2020 GB/T 5678-2021", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
        ("T/" + "A" * 45 + " 1-2023", "标准号过长，不应超过 50 个字符"),
        ("GB/T " + "1" * 50 + "-2020", "标准号过长，不应超过 50 个字符"),
    ],
)
def test_rejections(text, message):
    with pytest.raises(StandardNumberError) as excinfo:
        normalize(text)
    assert excinfo.value.message == message
    assert str(excinfo.value) == message
    assert isinstance(excinfo.value, ValueError)
    assert not is_valid(text)


def test_length_limit_counts_trimmed_text():
    text = "GB/T " + "1" * 40 + "-2020"  # 50 characters
    assert len(text) == 50
    with pytest.raises(StandardNumberError) as excinfo:
        normalize("  " + text + "  ")
    assert excinfo.value.message != standards.MSG_TOO_LONG  # too long a serial, not too long a text


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("T/ABC 001-2023", "tabc0012023"),
        ("T/ABC 001—2023", "tabc0012023"),
        ("t/abc 001-2023", "tabc0012023"),
        ("Ｔ／ＡＢＣ　００１－２０２３", "tabc0012023"),
        ("GB/T 1.1—2020", "gbt1.12020"),
        ("ISO 12345:2020", "iso123452020"),
        ("", ""),
        (None, ""),
        ("对标 ？？", "对标??"),  # full-width punctuation folded by NFKC
    ],
)
def test_search_key(text, key):
    assert search_key(text) == key


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("T/ABC 001-2023", "abc 001"),
        ("T/ABC 001-2023", "T/ABC"),
        ("T/ABC 001-2023", "001—2023"),
        ("GB/T 1234-2020", "GBT1234"),
        ("GB/T 1234-2020", "gb/t 1234"),
        ("GB/T 1.1-2020", "1.1"),
        ("DB11/T 1234-2020", "db11 t"),
        ("IEC 60335-1:2020", "60335-1"),
    ],
)
def test_partial_query_is_substring_of_stored_key(stored, query):
    assert search_key(query) in search_key(normalize(stored))


def test_search_key_keeps_dots_apart():
    assert search_key("GB/T 1.1-2020") != search_key("GB/T 11-2020")


def test_variants_share_key_with_canonical_form():
    for text in ["t/abc 001—2023", "Ｔ／ＡＢＣ　００１－２０２３", "T/ABC  001 - 2023"]:
        assert search_key(text) == search_key(normalize(text))
