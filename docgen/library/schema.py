"""Field schema of a template: types, Chinese labels, aliases, validation and coercion."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, UndefinedError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ..engine import filters as fmt
from ..errors import DataError, TemplateError
from ..engine.markup import _CONTROL

TYPES = {"string", "text", "int", "number", "money", "date", "datetime", "phone", "choice", "bool",
         "list", "image", "period", "any"}
_TYPE_HINT = {
    "string": "一行文字", "text": "文字（可多行）", "int": "整数，如 3", "number": "数字，如 0.5",
    "money": "金额，如 1234.50（可带 ¥ 和千分位逗号）", "date": "日期，如 2026-11-23",
    "datetime": "日期时间，如 2026-11-23 14:30", "phone": "电话号码，如 13812345678 或 0755-12345678",
    "choice": "下列选项之一", "bool": "是/否（true/false）", "list": "记录列表",
    "image": "图片文件路径（PNG/JPG）", "period": "所属期间，如 2026-03",
    "any": "任意值（按数据原样：文字、数字、是/否、列表）",
}
_PHONE = re.compile(r"^[+\d][\d\s\-()（）转]{4,24}$")
_TRUE = {"true", "yes", "y", "1", "是", "有", "√", "✓", "on"}
_FALSE = {"false", "no", "n", "0", "否", "无", "×", "off", ""}
# `any` values keep the characters docxtpl gives a meaning to: \a new paragraph, \f page break
_ANY_CONTROL = re.compile(r"[\x00-\x06\x08\x0b\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass
class Field:
    """One input field of a template."""
    name: str
    type: str = "string"
    label: str = ""
    aliases: list[str] = field(default_factory=list)
    required: bool = False
    default: Any = None
    choices: list[str] = field(default_factory=list)
    min: Any = None
    max: Any = None
    max_length: int | None = None
    help: str = ""
    fields: list["Field"] = field(default_factory=list)   # for type: list
    min_items: int = 0
    items: str | None = None   # for a list without fields: the type of each entry (e.g. image)

    @classmethod
    def from_yaml(cls, name: str, spec: Any, where: str) -> "Field":
        """Build a field from its template.yaml entry (a mapping, or a bare type name)."""
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, dict):
            raise TemplateError(f"字段 {name} 的定义应为映射", file=where, field=name)
        unknown = set(spec) - {"type", "label", "aliases", "required", "default", "choices", "min", "max",
                               "max_length", "help", "fields", "min_items", "example", "items"}
        if unknown:
            raise TemplateError(f"字段定义有未知键：{', '.join(sorted(unknown))}", file=where, field=name,
                                expected="type, label, aliases, required, default, choices, min, max, "
                                         "max_length, help, fields, min_items, items")
        ftype = spec.get("type", "string")
        if ftype not in TYPES:
            raise TemplateError(f"未知字段类型「{ftype}」", file=where, field=name, expected="、".join(sorted(TYPES)))
        items = spec.get("items")
        if items is not None and (ftype != "list" or items not in TYPES - {"list"}):
            raise TemplateError(f"字段 {name} 的 items 应为列表每一项的类型", file=where, field=name,
                                expected="type: list 下写 items: image（或 string、date 等），且不写 fields")
        sub = []
        if ftype == "list":
            for k, v in (spec.get("fields") or {}).items():
                sub.append(Field.from_yaml(k, v, where))
        aliases = spec.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        return cls(name=name, type=ftype, label=str(spec.get("label", "")), aliases=[str(a) for a in aliases],
                   required=bool(spec.get("required", False)), default=spec.get("default"),
                   choices=[str(c) for c in spec.get("choices") or []], min=spec.get("min"),
                   max=spec.get("max"), max_length=spec.get("max_length"), help=str(spec.get("help", "")),
                   fields=sub, min_items=int(spec.get("min_items", 0)), items=items)

    @property
    def title(self) -> str:
        """How messages name the field: 'label（name）'."""
        return f"{self.label}（{self.name}）" if self.label else self.name

    def keys(self) -> list[str]:
        """Names by which data may supply this field."""
        return [self.name] + ([self.label] if self.label else []) + self.aliases

    def expected(self) -> str:
        """What a valid value looks like, for error messages."""
        hint = _TYPE_HINT.get(self.type, self.type)
        if self.type == "choice":
            hint += "：" + "、".join(self.choices)
        return hint


_CHECK_ENV = ImmutableSandboxedEnvironment()
_CHECK_ENV.filters.update(fmt.FILTERS)


@dataclass
class Check:
    """A rule over several fields (`checks:` in template.yaml), e.g. an end after its start."""
    rule: str
    message: str
    field: str | None = None
    _fn: Any = None

    @classmethod
    def from_yaml(cls, spec: Any, where: str, n: int) -> "Check":
        """Build a check from its template.yaml entry: {rule, message, field}."""
        if not isinstance(spec, dict) or not spec.get("rule") or not spec.get("message"):
            raise TemplateError(f"checks 第 {n} 条应为含 rule 和 message 的映射", file=where, field="checks",
                                expected="- rule: end_date >= start_date\n  field: end_date\n  message: 完工日期不能早于开工日期")
        unknown = set(spec) - {"rule", "message", "field"}
        if unknown:
            raise TemplateError(f"checks 第 {n} 条有未知键：{', '.join(sorted(unknown))}", file=where,
                                field="checks", expected="rule、message、field")
        rule = str(spec["rule"])
        try:
            fn = _CHECK_ENV.compile_expression(rule, undefined_to_none=False)
            _CHECK_ENV.parse(str(spec["message"]))
        except TemplateSyntaxError as e:
            raise TemplateError(f"checks 第 {n} 条有语法错误：{e.message}", file=where,
                                field="checks", expected="Jinja 表达式，如 end_date >= start_date") from None
        return cls(rule=rule, message=str(spec["message"]), field=spec.get("field"), _fn=fn)

    def names(self) -> set[str]:
        """The names the rule reads (lint checks they are declared fields)."""
        return meta.find_undeclared_variables(_CHECK_ENV.parse("{{ " + self.rule + " }}"))

    def explain(self, values: dict) -> str:
        """The message, with any {{ field }} in it filled from the data."""
        try:
            return _CHECK_ENV.from_string(self.message).render(**values)
        except Exception:  # noqa: BLE001 - a broken message must not hide the data problem
            return self.message

    def holds(self, values: dict) -> bool:
        """False only when the rule can be evaluated and is false (a rule over a missing field does not apply)."""
        try:
            return bool(self._fn(**values))
        except (TypeError, ValueError, UndefinedError, ArithmeticError, AttributeError, SecurityError):
            return True


def _norm_key(k: Any) -> str:
    return re.sub(r"[\s\u3000\ufeff]+", "", str(k)).lower()


class Schema:
    """The fields of a template and how to check data against them."""

    def __init__(self, fields: list[Field], checks: list[Check] | None = None):
        self.fields = fields
        self.checks = checks or []
        self._index: dict[str, Field] = {}
        for f in fields:
            for k in f.keys():
                self._index.setdefault(_norm_key(k), f)

    @classmethod
    def from_yaml(cls, spec: Any, where: str, checks: Any = None) -> "Schema":
        """Build from the `fields:` mapping (and the `checks:` list) of template.yaml."""
        if checks is not None and not isinstance(checks, list):
            raise TemplateError("checks 应为规则列表", file=where, field="checks")
        rules = [Check.from_yaml(c, where, n) for n, c in enumerate(checks or [], 1)]
        if spec is None:
            return cls([], rules)
        if not isinstance(spec, dict):
            raise TemplateError("fields 应为「字段名: 定义」的映射", file=where)
        return cls([Field.from_yaml(str(k), v, where) for k, v in spec.items()], rules)

    def field_for(self, key: Any) -> Field | None:
        """The field a data key (name, label or alias) refers to."""
        return self._index.get(_norm_key(key))

    def validate(self, data: dict, *, file: str | None = None, row: int | None = None,
                 base_dir: Path | None = None, strict: bool = False, blank: bool = False) -> dict:
        """Coerce data to the field types; raise DataError naming file, row and field on the first problem.

        blank: a pad to fill in by hand: nothing is required and no date defaults to today."""
        if not isinstance(data, dict):
            raise DataError("数据应为「字段: 值」的映射", file=file, row=row)
        out: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for k, v in data.items():
            f = self.field_for(k)
            if f is None:
                extra[str(k)] = v
            elif f.name not in out or out[f.name] in (None, ""):
                out[f.name] = v
        if strict and extra:
            raise DataError(f"未知字段：{'、'.join(extra)}", file=file, row=row,
                            expected="、".join(f.name for f in self.fields))
        result = {k: _plain(v) for k, v in extra.items()}
        for f in self.fields:
            result[f.name] = coerce(f, out.get(f.name), file=file, row=row, base_dir=base_dir, blank=blank)
        for c in self.checks:
            if not c.holds(result):
                f = self.field_for(c.field) if c.field else None
                raise DataError(c.explain(result), file=file, row=row, field=f.title if f else c.field)
        return result


def _plain(v: Any) -> Any:
    if isinstance(v, str):
        return _CONTROL.sub("", v)
    return v


def _any(v: Any) -> Any:
    if isinstance(v, str):
        return _ANY_CONTROL.sub("", v)
    if isinstance(v, list):
        return [_any(x) for x in v]
    if isinstance(v, dict):
        return {k: _any(x) for k, x in v.items()}
    return v


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, list) and not v)


def coerce(f: Field, value: Any, *, file=None, row=None, base_dir: Path | None = None, prefix: str = "",
           blank: bool = False) -> Any:
    """Check and convert one value to the field's type (blank: for a pad, nothing is required)."""
    name = prefix + f.title

    def fail(msg: str):
        raise DataError(msg, file=file, row=row, field=name, expected=f.expected())

    if f.type == "any":
        # a guess from a Word file: the data's own type wins (false stays false, 2 stays 2, spaces stay)
        if value is None or value == "":
            if f.default is not None:
                return f.default
            if f.required:
                fail("缺少必填内容")
        return _any(value)
    if _empty(value):
        if blank and (f.default is None or f.default == "today"):
            return [] if f.type == "list" else None
        if f.default is not None:
            value = date.today() if f.default == "today" and f.type in ("date", "datetime") else f.default
        elif f.required:
            fail("缺少必填内容")
        else:
            return [] if f.type == "list" else None
    t = f.type
    try:
        if t in ("string", "text"):
            if isinstance(value, (dict, list)):
                fail(f"应为文字，实际是{'映射' if isinstance(value, dict) else '列表'}")
            if isinstance(value, bool):
                # 'False' is a non-empty, truthy text: {% if is_paid %} would read it as yes
                raise DataError(f"应为文字，数据里是是/否值 {str(value).lower()}", file=file, row=row, field=name,
                                expected="文字（YAML 里 yes/no/true/false 要加引号，如 'no'）；"
                                         "正文里 {% if %} 判断的字段应声明为 type: bool")
            s = _CONTROL.sub("", str(value)).replace("\r\n", "\n")
            if t == "string":
                s = " ".join(s.split("\n")).strip()
            if f.max_length and len(s) > int(f.max_length):
                fail(f"内容过长（{len(s)} 字，最多 {f.max_length} 字）")
            return s
        if t == "int":
            if isinstance(value, bool):
                fail("应为整数")
            d = fmt.to_decimal(value)
            if d != d.to_integral_value():
                fail(f"「{value}」不是整数")
            n = int(d)
            _range(f, n, fail)
            return n
        if t in ("number", "money"):
            if isinstance(value, bool):
                fail("应为数字")
            d = fmt.to_fen(value) if t == "money" else fmt.to_decimal(value)
            _range(f, d, fail)
            return d
        if t == "date":
            return fmt.to_date(value)
        if t == "datetime":
            return fmt.to_datetime(value)
        if t == "period":
            y, mth = fmt.parse_period(value)
            return f"{y:04d}-{mth:02d}"
        if t == "phone":
            s = str(value).strip()
            if s.endswith(".0"):
                s = s[:-2]
            if not _PHONE.match(s):
                fail(f"「{s[:30]}」不像电话号码")
            return s
        if t == "choice":
            s = str(value).strip()
            if s not in f.choices:
                fail(f"「{s[:30]}」不在可选项中")
            return s
        if t == "bool":
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            if s in _TRUE:
                return True
            if s in _FALSE:
                return False
            fail(f"「{s[:30]}」不是是/否")
        if t == "image":
            p = Path(str(value)).expanduser()
            if not p.is_absolute() and base_dir is not None:
                p = base_dir / p
            if not p.is_file():
                fail(f"找不到图片文件 {p}")
            if p.suffix.lower() not in (".png", ".jpg", ".jpeg"):
                fail(f"不支持的图片格式 {p.suffix}")
            return p
        if t == "list":
            if isinstance(value, dict):
                value = [value]
            if not isinstance(value, list):
                fail("应为记录列表")
            if len(value) < f.min_items and not blank:
                fail(f"至少需要 {f.min_items} 条记录，实际 {len(value)} 条")
            sub = Schema(f.fields)
            items = []
            for i, item in enumerate(value, 1):
                if not f.fields:
                    items.append(coerce(Field(name=f"第 {i} 条", type=f.items, required=True), item, file=file,
                                        row=row, base_dir=base_dir, prefix=f"{name} ") if f.items else _plain(item))
                    continue
                if not isinstance(item, dict):
                    raise DataError(f"第 {i} 条应为「字段: 值」的映射", file=file, row=row, field=name)
                vals = {}
                given = {}
                for k, v in item.items():
                    sf = sub.field_for(k)
                    if sf is not None:
                        given[sf.name] = v
                    else:
                        vals[str(k)] = _plain(v)
                for sf in f.fields:
                    vals[sf.name] = coerce(sf, given.get(sf.name), file=file, row=row, base_dir=base_dir,
                                           prefix=f"{name} 第 {i} 条的")
                items.append(vals)
            return items
    except DataError as e:
        if e.field is None:  # a parser's error (e.g. an amount): say which field and record it was
            raise DataError(e.message, file=file, row=row, field=name, expected=e.expected or f.expected()) from None
        raise
    except (ValueError, ArithmeticError, TypeError) as e:
        msg = getattr(e, "message", None) or str(e)
        raise DataError(f"「{str(value)[:40]}」无法识别：{msg}", file=file, row=row, field=name,
                        expected=f.expected()) from None
    raise AssertionError(t)


def _range(f: Field, v, fail) -> None:
    if f.min is not None and v < Decimal(str(f.min)):
        fail(f"{v} 小于允许的最小值 {f.min}")
    if f.max is not None and v > Decimal(str(f.max)):
        fail(f"{v} 大于允许的最大值 {f.max}")


def example_value(f: Field) -> Any:
    """A plausible value for a field when a template has no sample (used by `new`/lint)."""
    return {"string": "示例", "text": "示例文字", "int": 1, "number": Decimal("1"), "money": Decimal("100.00"),
            "date": date(2026, 11, 23), "datetime": datetime(2026, 11, 23, 9, 0), "phone": "0755-12345678",
            "choice": f.choices[0] if f.choices else "", "bool": True, "list": [], "image": None,
            "period": "2026-11", "any": "示例"}[f.type]
