"""The organisation profile (docgen.toml): who is issuing documents, fonts and house parameters."""
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


class AttrDict(dict):
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
    fonts: dict[str, str] = field(default_factory=dict)
    docx_fonts: dict[str, str] = field(default_factory=dict)
    script: str = "hans"
    path: Path | None = None
    # [dunning] public_list_basis: what allows this office to post an arrears list (a clause of the
    # 管理规约 or a decision of the owners' assembly); without it, dunning --public-list refuses.
    public_list_basis: str | None = None
    # [register]: where the office's register lives (path), who issues (operator), number patterns per
    # template ([register.numbers] template-id = "CG-{yyyy}{mm}-{seq:04}"), dunning escalate_after_days.
    register: dict[str, Any] = field(default_factory=dict)

    @property
    def seal(self) -> Path | None:
        """The seal image, if one is configured."""
        s = self.org.get("seal")
        return Path(s) if s else None


def load_profile(path: str | Path | None = None, cwd: Path | None = None) -> Profile:
    """Read --profile FILE, else ./docgen.toml, else the built-in defaults."""
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
    org = AttrDict(DEFAULT_ORG)
    section = raw.get("org", {})
    if not isinstance(section, dict):
        raise DataError("[org] 应为表", file=str(path))
    org.update(section)
    for key in ("logo", "seal"):
        if org.get(key):
            p = Path(str(org[key])).expanduser()
            if not p.is_absolute():
                p = path.parent / p
            if not p.is_file():
                raise DataError(f"找不到图片文件 {p}", file=str(path), field=f"org.{key}", expected="PNG 或 JPG 文件")
            org[key] = str(p)
    fonts = {k: str((path.parent / Path(str(v)).expanduser()) if not Path(str(v)).expanduser().is_absolute()
                    else Path(str(v)).expanduser())
             for k, v in (raw.get("fonts") or {}).items() if v}
    dunning = raw.get("dunning") or {}
    if not isinstance(dunning, dict):
        raise DataError("[dunning] 应为表", file=str(path))
    basis = dunning.get("public_list_basis")
    if basis is not None and (not isinstance(basis, str) or not basis.strip()):
        raise DataError("public_list_basis 应为一段文字", file=str(path), field="dunning.public_list_basis",
                        expected="如 \"《翠湖花园管理规约》第二十六条\" 或 \"2026年第一次业主大会决定\"")
    register = raw.get("register") or {}
    if not isinstance(register, dict) or not isinstance(register.get("numbers", {}), dict):
        raise DataError("[register] 应为表（[register.numbers] 也是）", file=str(path), field="register",
                        expected="path = \"docgen.db\"、operator = \"王小明\"、[register.numbers] 模板id = \"CG-{yyyy}{mm}-{seq:04}\"")
    days = dunning.get("escalate_after_days", 15)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise DataError(f"escalate_after_days 应为正整数，不是「{days}」", file=str(path),
                        field="dunning.escalate_after_days", expected="天数，如 15")
    register = dict(register, escalate_after_days=days)
    return Profile(org=org, fonts=fonts, docx_fonts=dict(raw.get("docx") or {}),
                   script=str(raw.get("output", {}).get("script", "hans")), path=path,
                   public_list_basis=basis.strip() if basis else None, register=register)
