"""The organisation profile (docgen.toml): who is issuing documents, fonts and house parameters.

Every section is checked when the file is read: a key the section does not know (a typo such as
``[docx] songti``) is an error naming the key and the keys the section knows, never ignored and
never a traceback.  ``[org]`` is open on purpose: templates read any key added there as ``org.KEY``.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError

PROFILE_NAME = "docgen.toml"

# A fictional company, so the demo and samples work with no configuration.
DEFAULT_ORG: dict[str, Any] = {
    "name": "锦程物业服务有限公司",
    "office": "翠湖花园物业服务中心",
    "project": "翠湖花园",
    "address": "滨江市南湖区湖景路 88 号",
    "phone": "0571-8650 2266",
    "service_hours": "8:00—18:00",
    "emergency_phone": "0571-8650 2299",
    "logo": None,
    "seal": None,
    "signer": "陈立新",
    "city": "滨江市",
}

#: The sections of docgen.toml and the keys each knows (None: any key, read by templates as org.KEY).
SECTIONS: dict[str, tuple[str, ...] | None] = {
    "org": None,
    "fonts": ("song", "hei", "latin", "latin_bold", "fallback1", "fallback2", "fallback3"),
    "docx": ("song", "hei", "latin"),
    "dunning": ("public_list_basis", "escalate_after_days"),
    "output": ("script",),
    "register": ("path", "operator", "numbers"),
    "web": ("token", "max_upload_mb", "max_rows", "max_jobs", "max_queued", "hosts"),       # read by the web desk (docgen serve)
}


class AttrDict(dict[str, Any]):
    """A dict whose keys also read as attributes (org.name in templates); missing keys read as None."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            return None


@dataclass
class Profile:
    """Organisation values (templates read them as org.*), font overrides and DOCX font names."""
    org: AttrDict = field(default_factory=lambda: AttrDict(DEFAULT_ORG))
    fonts: dict[str, str] = field(default_factory=dict)          # [fonts] key → font file path
    docx_fonts: dict[str, str] = field(default_factory=dict)     # [docx] song/hei/latin → font name
    script: str = "hans"
    path: Path | None = None
    # [dunning] public_list_basis: what allows this office to post an arrears list (a clause of the
    # 管理规约 or a decision of the owners' assembly); without it, a dunning run refuses the public list.
    public_list_basis: str | None = None
    # [register]: where the office's register lives (path), who issues (operator), number patterns per
    # template ([register.numbers] template-id = "CG-{yyyy}{mm}-{seq:04}"), dunning escalate_after_days.
    register: dict[str, Any] = field(default_factory=dict)

    @property
    def seal(self) -> Path | None:
        """The seal image, if one is configured."""
        s = self.org.get("seal")
        return Path(s) if s else None


# Keys whose value is itself a table or a list: [register.numbers] (pattern per template), [web] hosts.
_NESTED = {("register", "numbers"), ("web", "hosts")}


def _section(raw: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    """One section of the file, checked against the keys it knows."""
    section = raw.get(name)
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise DataError(f"[{name}] 应为表", file=str(path), field=name,
                        expected=f"[{name}] 下每行一个 键 = 值")
    known = SECTIONS[name]
    if known is not None:
        for key in section:
            if key not in known:
                raise DataError(f"[{name}] 里没有「{key}」这一项", file=str(path), field=f"{name}.{key}",
                                expected=f"[{name}] 的键之一：{'、'.join(known)}")
    for key, value in section.items():
        if isinstance(value, (dict, list)) and (name, key) not in _NESTED:
            raise DataError(f"[{name}] {key} 应为一个值", file=str(path), field=f"{name}.{key}",
                            expected="文字（加引号）或数字")
    return section


def _text(section: dict[str, Any], name: str, key: str, path: Path) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DataError(f"[{name}] {key} 应为文字", file=str(path), field=f"{name}.{key}",
                        expected=f'加引号的文字，如 {key} = "…"')
    return value


def load_profile(path: str | Path | None = None, cwd: Path | None = None) -> Profile:
    """Read the given file, else ./docgen.toml, else the built-in defaults."""
    if path is None:
        candidate = (cwd or Path.cwd()) / PROFILE_NAME
        if not candidate.is_file():
            return Profile()
        path = candidate
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataError("找不到配置文件", file=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise DataError(f"配置文件格式错误：{e}", file=str(path), expected="TOML 格式，见 README「机构配置」") from None
    for name in raw:
        if name not in SECTIONS:
            raise DataError(f"配置文件里没有 [{name}] 这一节" if isinstance(raw[name], dict)
                            else f"配置文件顶层的「{name}」不属于任何一节", file=str(path), field=name,
                            expected="、".join(f"[{s}]" for s in SECTIONS))
    org = AttrDict(DEFAULT_ORG)
    org.update(_section(raw, "org", path))
    for key in ("logo", "seal"):
        if org.get(key):
            p = Path(str(org[key])).expanduser()
            if not p.is_absolute():
                p = path.parent / p
            if not p.is_file():
                raise DataError(f"找不到图片文件 {p}", file=str(path), field=f"org.{key}", expected="PNG 或 JPG 文件")
            org[key] = str(p)
    fonts_raw = _section(raw, "fonts", path)
    fonts: dict[str, str] = {}
    for key in fonts_raw:
        value = _text(fonts_raw, "fonts", key, path)
        if value:
            p = Path(value).expanduser()
            fonts[key] = str(p if p.is_absolute() else path.parent / p)
    docx_raw = _section(raw, "docx", path)
    docx_fonts = {k: v for k in docx_raw if (v := _text(docx_raw, "docx", k, path)) is not None}
    dunning = _section(raw, "dunning", path)
    basis = dunning.get("public_list_basis")
    if basis is not None and (not isinstance(basis, str) or not basis.strip()):
        raise DataError("public_list_basis 应为一段文字", file=str(path), field="dunning.public_list_basis",
                        expected="如 \"《翠湖花园管理规约》第二十六条\" 或 \"2026年第一次业主大会决定\"")
    script = _text(_section(raw, "output", path), "output", "script", path) or "hans"
    register = _section(raw, "register", path)
    if not isinstance(register.get("numbers", {}), dict):
        raise DataError("[register.numbers] 应为表", file=str(path), field="register.numbers",
                        expected="[register.numbers] 模板id = \"CG-{yyyy}{mm}-{seq:04}\"")
    days = dunning.get("escalate_after_days", 15)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise DataError(f"escalate_after_days 应为正整数，不是「{days}」", file=str(path),
                        field="dunning.escalate_after_days", expected="天数，如 15")
    register = dict(register, escalate_after_days=days)
    _section(raw, "web", path)          # read by the web desk, but a typo in it is named here like any other
    return Profile(org=org, fonts=fonts, docx_fonts=docx_fonts, script=script, path=path,
                   public_list_basis=basis.strip() if basis else None, register=register)
