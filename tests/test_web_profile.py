"""The profile page's [dunning] and [register] settings: checked by the profile checker (the CLI's words,
beside the field), saved into the workspace's docgen.toml without losing other tables or comment lines."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web desk needs the `web` extra: pip install 'docgen[web]'")

from docgen import api  # noqa: E402
from docgen.errors import DataError  # noqa: E402
from docgen.profile import load_profile  # noqa: E402
from tests.test_web import client, csrf  # noqa: E402

OFFICE = """\
# 青松苑物业的配置（手写）
[org]
name = "青松物业管理有限公司"   # 营业执照上的全称
office = "青松苑物业服务中心"

# 编号规则：催缴通知单按月编号
[register.numbers]
fee-dunning-notice = "CG-{yyyy}{mm}-{seq:04}"

[output]
script = "hans"

[dunning]
public_list_basis = "《青松苑管理规约》第二十条"
escalate_after_days = 10   # 规约规定十天

[web]
hosts = ["wuye-pc.local"]
"""


def _desk(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "docgen.toml").write_text(OFFICE, encoding="utf-8")
    return client(ws), ws / "docgen.toml"


def _form(c, **kw):
    base = {"csrf": csrf(c), "name": "青松物业管理有限公司", "office": "青松苑物业服务中心",
            "escalate_after_days": "10", "public_list_basis": "《青松苑管理规约》第二十条", "operator": ""}
    return {**base, **kw}


def test_page_shows_the_settings(tmp_path):
    c, _ = _desk(tmp_path)
    page = c.get("/profile").text
    assert "[dunning]" in page and "[register]" in page
    assert 'name="escalate_after_days" value="10"' in page
    assert 'name="public_list_basis" value="《青松苑管理规约》第二十条"' in page and 'name="operator" value=""' in page


def test_saved_keeping_other_tables_and_comments(tmp_path):
    c, toml = _desk(tmp_path)
    r = c.post("/profile", data=_form(c, escalate_after_days="21", operator="王晓梅", phone="0571-1111 2222"))
    assert r.status_code == 200 and 'class="good">已保存' in r.text, r.text
    text = toml.read_text(encoding="utf-8")
    for line in OFFICE.splitlines():             # every line not changed is still there, as it was
        if not line.startswith(("escalate_after_days",)):
            assert line in text.splitlines(), line
    assert "escalate_after_days = 21  # 规约规定十天" in text           # a changed key keeps its comment
    assert re.search(r'\[register\]\noperator = "王晓梅"', text) and 'phone = "0571-1111 2222"' in text
    p = load_profile(toml)
    assert p.register["escalate_after_days"] == 21 and p.register["operator"] == "王晓梅"
    assert p.register["numbers"]["fee-dunning-notice"] == "CG-{yyyy}{mm}-{seq:04}"
    assert p.public_list_basis == "《青松苑管理规约》第二十条" and p.org["phone"] == "0571-1111 2222"
    assert 'value="21"' in c.get("/profile").text
    # clearing the basis removes it: the public list is then refused, as by the CLI
    r = c.post("/profile", data=_form(c, escalate_after_days="21", public_list_basis="", operator="王晓梅"))
    assert 'class="good">已保存' in r.text and "public_list_basis" not in toml.read_text(encoding="utf-8")
    assert api.profile_info(toml)["public_list_basis"] is None


@pytest.mark.parametrize("typed", ["abc", "0", "-3", "1.5"])
def test_bad_days_refused_in_the_clis_words_nothing_saved(tmp_path, typed):
    c, toml = _desk(tmp_path)
    r = c.post("/profile", data=_form(c, escalate_after_days=typed, operator="王晓梅"))
    assert r.status_code == 422 and 'class="good">已保存' not in r.text
    assert toml.read_text(encoding="utf-8") == OFFICE                  # nothing written
    assert not list(toml.parent.glob(".docgen.toml*"))
    err = re.search(r'id="err-dunning-escalate_after_days">([^<]+)<', r.text).group(1)
    # the CLI's message for the same value in the same file
    value = typed if re.fullmatch(r"-?\d+(\.\d+)?", typed) else f'"{typed}"'
    toml.write_text(OFFICE.replace("escalate_after_days = 10", f"escalate_after_days = {value}"), encoding="utf-8")
    with pytest.raises(DataError) as cli:
        load_profile(toml)
    from html import unescape
    assert unescape(err) == cli.value.describe() and "正整数" in err
    assert f'name="escalate_after_days" value="{typed}"' in r.text              # what was typed, to correct


def test_broken_file_is_not_overwritten(tmp_path):
    c, toml = _desk(tmp_path)
    toml.write_text(OFFICE + "\n[dunning\n", encoding="utf-8")
    r = c.post("/profile", data=_form(c, operator="王"))
    assert r.status_code == 422 and "格式错误" in r.text
    assert toml.read_text(encoding="utf-8") == OFFICE + "\n[dunning\n"
    page = c.get("/profile")
    assert page.status_code == 200 and "格式错误" in page.text and "没有保存" not in page.text


def test_first_save_writes_a_new_file(tmp_path):
    c = client(tmp_path / "ws")
    r = c.post("/profile", data={"csrf": csrf(c), "name": "新物业", "escalate_after_days": "", "operator": "李"})
    assert 'class="good">已保存' in r.text
    p = load_profile(Path(tmp_path / "ws" / "docgen.toml"))
    assert p.org["name"] == "新物业" and p.register["operator"] == "李" and p.register["escalate_after_days"] == 15
