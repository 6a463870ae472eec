"""`docgen lint`: check a template folder and name every problem with its file, line and a fix hint.

Checks, each independent of the others where possible: template.yaml syntax and keys, field
definitions, the body's Jinja syntax, names used in the body but not declared (and declared but
unused, and record keys of list fields), the sample data, and a test render of the sample in both
formats (markup errors are mapped back from the rendered text to the body line).
"""
from __future__ import annotations

import difflib
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from jinja2 import FileSystemLoader, TemplateNotFound, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.sandbox import SecurityError

from ..errors import DataError, DocgenError, TemplateError
from .folders import _KEYS, _page, load_template
from ..profile import Profile
from ..inputs.documents import DataLoader
from .sources import (_Blank, _Record, _assigned, _guarded, _jinja_hint, _name_lines, _template_frame, _unwrap,
                      _yaml_hint, source_line, unclosed_block_line, yaml_line)
from .schema import _CHECK_ENV, Check, Field, Schema, coerce, example_value

CONTEXT_NAMES = {"org", "today", "template"}


@dataclass
class Problem:
    """One problem found in a template: where, what, and how to fix it."""
    file: str
    line: int | None
    message: str
    hint: str = ""
    code: str = ""
    paragraph: bool = False     # line counts paragraphs of a Word body, not text lines

    def location(self) -> str:
        """'file:line', or 'file（第 N 段）' for a Word body."""
        if self.line is None:
            return self.file
        return f"{self.file}（第 {self.line} 段）" if self.paragraph else f"{self.file}:{self.line}"

    def describe(self) -> str:
        """The problem as the CLI prints it."""
        return f"{self.location()}: {self.message}" + (f"\n    提示：{self.hint}" if self.hint else "")

    def as_dict(self) -> dict:
        """The problem as a JSON-ready dict."""
        return asdict(self)


# ---------------------------------------------------------------- the linter

class _Linter:
    def __init__(self, folder: Path, profile: Profile, render: bool, pdf: bool):
        self.folder = folder
        self.yml = folder / "template.yaml"
        self.profile = profile
        self.render = render
        self.pdf = pdf
        self.problems: list[Problem] = []
        self.root: yaml.Node | None = None
        self.raw: dict = {}
        self.fields: list[Field] = []
        self.checks: list[tuple[int, Check]] = []
        self.blocking = False            # a problem that makes a test render meaningless

    def add(self, file: Path | str, line: int | None, message: str, hint: str = "", code: str = "",
            paragraph: bool = False) -> None:
        self.problems.append(Problem(str(file), line, message, hint or "", code, paragraph))

    # -- template.yaml
    def check_yaml(self) -> bool:
        if not self.yml.is_file():
            self.add(self.folder, None, "文件夹里没有 template.yaml", "用 docgen new ID 新建模板，或把 template.yaml 放进来",
                     "yaml")
            return False
        try:
            text = self.yml.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            self.add(self.yml, None, "template.yaml 不是 UTF-8 编码", "用编辑器另存为 UTF-8", "yaml")
            return False
        try:
            self.root = yaml.compose(text, Loader=DataLoader)  # noqa: S506 - a SafeLoader subclass
            raw = yaml.load(text, Loader=DataLoader)  # noqa: S506
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            self.add(self.yml, mark.line + 1 if mark else None, f"YAML 语法错误：{getattr(e, 'problem', None) or e}",
                     _yaml_hint(e), "yaml")
            return False
        if not isinstance(raw, dict):
            self.add(self.yml, 1, "template.yaml 顶层应为「键: 值」的映射", "参考 docgen new 生成的 template.yaml", "yaml")
            return False
        self.raw = raw
        for key in raw:
            if key not in _KEYS:
                close = difflib.get_close_matches(str(key), sorted(_KEYS), n=1)
                self.add(self.yml, yaml_line(self.root, key), f"未知的键「{key}」",
                         f"是不是 {close[0]}？" if close else "可用的键：" + "、".join(sorted(_KEYS)), "schema")
        for key in ("id", "title"):
            if not raw.get(key):
                self.add(self.yml, yaml_line(self.root, key) or 1, f"缺少 {key}",
                         "id 是字母、数字、连字符组成的名字，title 是文档名称", "schema")
        tid = str(raw.get("id") or "")
        if tid and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", tid):
            self.add(self.yml, yaml_line(self.root, "id"), f"id「{tid}」含有不适合做文件名的字符",
                     "只用字母、数字、连字符和下划线，如 parking-notice", "schema")
        body = str(raw.get("body", "body.md"))
        if not (self.folder / body).is_file():
            self.add(self.yml, yaml_line(self.root, "body") or 1, f"找不到正文文件 {body}",
                     f"在模板文件夹里建 {body}，或在 body: 中写对文件名", "schema")
            self.blocking = True
        try:
            _page(raw.get("page"), str(self.yml))
        except TemplateError as e:
            self.add(self.yml, yaml_line(self.root, "page"), e.message, e.expected or "", "schema")
        self.check_fields()
        self.check_rules()
        return True

    def check_rules(self) -> None:
        rules = self.raw.get("checks")
        if rules is None:
            return
        if not isinstance(rules, list):
            self.add(self.yml, yaml_line(self.root, "checks"), "checks 应为规则列表",
                     "- rule: end_date >= start_date\n  field: end_date\n  message: 完工日期不能早于开工日期", "schema")
            return
        declared = {f.name for f in self.fields}
        for i, spec in enumerate(rules):
            line = yaml_line(self.root, "checks", i) or yaml_line(self.root, "checks")
            try:
                check = Check.from_yaml(spec, str(self.yml), i + 1)
            except TemplateError as e:
                self.add(self.yml, line, e.message, e.expected or "", "schema")
                continue
            names = check.names() | meta.find_undeclared_variables(_CHECK_ENV.parse(check.message))
            for name in sorted(names - declared):
                close = difflib.get_close_matches(name, sorted(declared), n=1)
                self.add(self.yml, line, f"checks 第 {i + 1} 条用了未声明的字段「{name}」",
                         f"是不是 {close[0]}？" if close else "规则里只能用 fields 中声明的字段", "schema")
            if check.field and check.field not in declared:
                self.add(self.yml, line, f"checks 第 {i + 1} 条的 field「{check.field}」不是已声明的字段",
                         "field 写规则出错时要指明的那个字段名", "schema")
            self.checks.append((i, check))

    def check_fields(self) -> None:
        spec = self.raw.get("fields")
        if spec is None:
            return
        if not isinstance(spec, dict):
            self.add(self.yml, yaml_line(self.root, "fields"), "fields 应为「字段名: 定义」的映射",
                     "如 owner_name: {type: string, label: 业主姓名}", "schema")
            self.blocking = True
            return
        for name, fspec in spec.items():
            name = str(name)
            try:
                f = Field.from_yaml(name, fspec, str(self.yml))
            except TemplateError as e:
                line = yaml_line(self.root, "fields", name)
                if e.field and e.field != name:
                    line = yaml_line(self.root, "fields", name, "fields", e.field) or line
                self.add(self.yml, line, f"字段「{e.field or name}」：{e.message}", e.expected or "", "schema")
                self.blocking = True
                continue
            if not name.isidentifier():
                self.add(self.yml, yaml_line(self.root, "fields", name), f"字段名「{name}」不能在正文中引用",
                         "字段名只用字母、数字和下划线（不能以数字开头，不能有连字符或空格），中文名写在 label 里", "schema")
            self.fields.append(f)

    # -- sample
    def check_sample(self) -> dict:
        schema = Schema(self.fields)
        sample = self.raw.get("sample")
        values: dict[str, Any] = {}
        if not sample:
            if self.fields:
                self.add(self.yml, yaml_line(self.root, "sample") or 1, "没有示例数据 sample",
                         "加上 sample:，每个必填字段给一个示例值（生成示例文书和测试都用它）", "sample")
            return {f.name: example_value(f) for f in self.fields}
        if not isinstance(sample, dict):
            self.add(self.yml, yaml_line(self.root, "sample"), "sample 应为「字段: 值」的映射", "", "sample")
            return {f.name: example_value(f) for f in self.fields}
        given: dict[str, tuple[str, Any]] = {}
        for key, value in sample.items():
            f = schema.field_for(key)
            if f is None:
                close = difflib.get_close_matches(str(key), [x.name for x in self.fields], n=1)
                self.add(self.yml, yaml_line(self.root, "sample", key), f"示例数据里的「{key}」不是已声明的字段",
                         f"是不是 {close[0]}？" if close else "在 fields 中声明它，或从 sample 中删掉", "sample")
            elif f.name not in given or given[f.name][1] in (None, ""):
                given[f.name] = (str(key), value)
        for f in self.fields:
            key, value = given.get(f.name, (None, None))
            try:
                values[f.name] = coerce(f, value, file=str(self.yml), base_dir=self.folder)
            except DataError as e:
                line = yaml_line(self.root, "sample", key) if key else yaml_line(self.root, "sample")
                item = re.search(r"第 (\d+) 条", e.field or "")
                if key and item:
                    line = yaml_line(self.root, "sample", key, int(item.group(1)) - 1) or line
                    sub = re.search(r"（([^（）]+)）$", e.field or "")
                    if sub:
                        line = yaml_line(self.root, "sample", key, int(item.group(1)) - 1, sub.group(1)) or line
                self.add(self.yml, line, f"示例数据不合格：字段「{e.field}」{e.message}",
                         f"应为{e.expected}" if e.expected else "", "sample")
                values[f.name] = example_value(f) if f.type != "list" else []
        for i, check in self.checks:
            if all(values.get(n) not in (None, "", []) for n in check.names()):
                try:       # with every field it names filled in, a rule must evaluate
                    check._fn(**values)
                except Exception as e:  # noqa: BLE001 - reported, not raised
                    self.add(self.yml, yaml_line(self.root, "checks", i),
                             f"checks 第 {i + 1} 条无法用示例数据计算：{type(e).__name__}: {e}",
                             "检查规则里的字段类型（日期与日期时间比较时用 .date()）", "schema")
                    continue
            if not check.holds(values):
                self.add(self.yml, yaml_line(self.root, "checks", i),
                         f"示例数据不满足 checks 第 {i + 1} 条：{check.explain(values)}",
                         "改 sample 中的值，或改这条规则", "sample")
        return values

    # -- body
    def body_ast(self) -> tuple[Path, nodes.Template | None, Any, list[str], bool]:
        from ..engine.jinja import make_env
        from ..engine.word import body_lines, body_source, word_env

        body = self.folder / str(self.raw.get("body", "body.md"))
        word = body.suffix.lower() == ".docx"
        if word:
            env = word_env()
            try:
                source = body_source(body)
            except TemplateError as e:
                self.add(body, None, e.message, e.expected or "", "body")
                return body, None, env, [], word
        else:
            env = make_env()
            # includes resolve over this template's own root first, as they will once it is on the search path
            assert isinstance(env.loader, FileSystemLoader)
            env.loader = FileSystemLoader([str(self.folder.parent), *env.loader.searchpath])
            try:
                source = body.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                self.add(body, None, "正文不是 UTF-8 编码", "用编辑器另存为 UTF-8", "body")
                return body, None, env, [], word
        try:
            ast = env.parse(source)
            if word:
                env.compile(source)   # an unknown filter or test shows when compiling, not parsing
        except TemplateSyntaxError as e:
            line, message = e.lineno, e.message or ""
            if "end of template" in message.lower():
                line = unclosed_block_line(env, source) or line
                message = "这个块没有结束标签（" + message + "）"
            if word and line and 1 <= line <= len(source.splitlines()):
                where = body_lines(body)[line - 1][0]   # the header, footnote … it is in, not only a number
                where = "这一段" if where.startswith("正文") else where
                message += f"（{where}：「{source.splitlines()[line - 1].strip()[:40]}」）"
            self.add(body, line, f"模板语法错误：{message}", _jinja_hint(e.message or ""), "syntax", word)
            return body, None, env, source.splitlines(), word
        return body, ast, env, source.splitlines(), word

    def check_names(self, body: Path, ast: nodes.Template, env, word: bool) -> set[str]:
        declared = {f.name: f for f in self.fields}
        known = CONTEXT_NAMES | set(env.globals) | ({"image"} if word else set())
        sources = self.included(body, ast, env)
        used = set().union(*(meta.find_undeclared_variables(tree) for _, tree in sources))
        # a name set anywhere in the chain ({% set receipt_title = … %} before an include) is no field
        assigned = set().union(*(_assigned(tree) for _, tree in sources))
        undeclared = used - known - set(declared) - assigned - set().union(*(_guarded(t) for _, t in sources))
        # Shared partials are written for many templates and may use names in branches this one never takes;
        # the test render reports the ones that do matter.  The body's own names are checked one by one.
        undeclared &= meta.find_undeclared_variables(ast)
        for name in sorted(undeclared):
            lines = _name_lines(ast, name)
            more = f"（第 {'、'.join(map(str, lines[1:]))} {'段' if word else '行'}也用到了）" if len(lines) > 1 else ""
            self.add(body, lines[0] if lines else None, f"正文用了未声明的字段「{name}」{more}",
                     self._undeclared_hint(name), "undeclared", word)
        for call in ast.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name in declared:
                # docxtpl users put functions in the context; data never holds one
                self.add(body, call.lineno, f"正文把字段「{call.node.name}」当函数调用",
                         "数据里只有文字、数字、是/否、列表和映射，不能是函数；映射可写 {% for k, v in x.items() %}",
                         "body", word)
                self.blocking = True
        for file, tree in sources:
            self.check_record_keys(file, tree, word and file == str(body))
        for name in declared:
            if name not in used:
                self.add(self.yml, yaml_line(self.root, "fields", name), f"字段「{name}」已声明，但正文没有用到",
                         f"在正文中用 {{{{ {name} }}}} 引用它，或从 fields 中删除", "unused")
        return undeclared

    def included(self, body: Path, ast: nodes.Template, env) -> list[tuple[str, nodes.Template]]:
        """The body and every file it includes or imports (recursively), parsed; broken ones are reported."""
        sources: list[tuple[str, nodes.Template]] = [(str(body), ast)]
        seen: set[str] = set()
        i = 0
        while i < len(sources):
            file, tree = sources[i]
            i += 1
            for inc in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
                template = getattr(inc, "template", None)
                if not isinstance(template, nodes.Const) or str(template.value) in seen:
                    continue
                name = str(template.value)
                seen.add(name)
                try:
                    text, filename, _ = env.loader.get_source(env, name)
                    sources.append((filename or name, env.parse(text)))
                except TemplateNotFound:
                    if not getattr(inc, "ignore_missing", False):
                        self.add(file, inc.lineno, f"include 的文件不存在：{name}",
                                 "路径相对于模板根目录，如 _partials/x.md 或 其他模板id/body.md", "include")
                except TemplateSyntaxError as e:
                    self.add(e.filename or name, e.lineno, f"模板语法错误：{e.message}", _jinja_hint(e.message or ""),
                             "syntax")
        return sources

    def _undeclared_hint(self, name: str) -> str:
        for f in self.fields:
            if name == f.label or name in f.aliases:
                return f"正文里要写字段名 {{{{ {f.name} }}}}；中文名和别名只用于数据文件"
        close = difflib.get_close_matches(name, [f.name for f in self.fields], n=1)
        if close:
            return f"是不是 {close[0]}？"
        return f"在 template.yaml 的 fields 下声明它，如 {name}: {{type: string, label: 中文名}}"

    def check_record_keys(self, file: str, tree: nodes.Template, paragraph: bool) -> None:
        lists = {f.name: f for f in self.fields if f.type == "list" and f.fields}
        for loop in tree.find_all(nodes.For):
            it = _unwrap(loop.iter)
            if not (isinstance(it, nodes.Name) and it.name in lists and isinstance(loop.target, nodes.Name)):
                continue
            f = lists[it.name]
            keys = {s.name for s in f.fields}
            var = loop.target.name
            for body_node in loop.body:
                for ref in body_node.find_all((nodes.Getattr, nodes.Getitem)):
                    assert isinstance(ref, (nodes.Getattr, nodes.Getitem))
                    if not (isinstance(ref.node, nodes.Name) and ref.node.name == var):
                        continue
                    attr = ref.attr if isinstance(ref, nodes.Getattr) else (
                        ref.arg.value if isinstance(ref.arg, nodes.Const) and isinstance(ref.arg.value, str) else None)
                    if attr is None or attr in keys:
                        continue
                    close = difflib.get_close_matches(attr, sorted(keys), n=1)
                    self.add(file, ref.lineno, f"列表「{f.name}」的记录没有「{attr}」",
                             (f"是不是 {close[0]}？" if close else "") + "可用：" + "、".join(s.name for s in f.fields),
                             "undeclared", paragraph)

    # -- test render
    def test_render(self, body: Path, values: dict, word: bool, blanks: set[str], env) -> None:
        try:
            tpl = load_template(self.folder, source="lint")
        except TemplateError as e:
            self.add(e.file or self.yml, e.row, f"无法加载模板：{e.message}", e.expected or "", "render")
            return
        values = {k: [_Record(r) if isinstance(r, dict) else r for r in v] if isinstance(v, list) else v
                  for k, v in values.items()}
        values.update({name: _Blank() for name in blanks})
        if word:
            self.render_word(tpl, values)
        else:
            self.render_markup(tpl, body, values, env)

    def render_markup(self, tpl, body: Path, values: dict, env) -> None:
        from ..engine.markup import Resources, parse
        from ..engine.pipeline import context, make_document
        from ..writers import WRITERS

        try:
            text = env.from_string(tpl.body()).render(context(tpl, values, self.profile))
        except Exception as e:  # noqa: BLE001 - every failure of the body is a finding with its place
            file, line = _template_frame(e.__traceback__, body)
            if isinstance(e, TemplateSyntaxError):
                file, line = e.filename or file, e.lineno
            message = {UndefinedError: "引用了未定义的名称", TemplateNotFound: "include 的文件不存在",
                       SecurityError: "做了不允许的操作"}.get(type(e), "出错")
            detail = getattr(e, "message", None) or str(e)
            self.add(file, line, f"试渲染示例时{message}：{detail}",
                     "检查这一行用到的字段名、列表列名和过滤器" if isinstance(e, UndefinedError) else "", "render")
            return
        try:
            blocks = parse(text, Resources(base_dir=tpl.folder, seal=self.profile.seal, source=str(body)))
        except TemplateError as e:
            row = e.row
            where = re.match(r"^(.*):(\d+)$", e.file or "")
            if row is None and where:
                row = int(where.group(2))
            rendered = text.splitlines()
            line = source_line(rendered, row, body.read_text(encoding="utf-8").splitlines()) if row else None
            if line:
                msg = f"标记错误：{e.message}（渲染后第 {row} 行）"
            elif row and 1 <= row <= len(rendered):
                msg = f"标记错误（渲染后第 {row} 行「{rendered[row - 1].strip()[:30]}」）：{e.message}"
            else:
                msg = f"标记错误：{e.message}"
            self.add(body, line, msg, e.expected or "标记写法见 docs/templates.md「正文标记」", "markup")
            return
        doc = make_document(blocks, tpl, self.profile)
        pages = None
        for fmt, writer in WRITERS.items():     # every format a document can be written in, as render does
            try:
                _, pages = writer(doc, self.profile, pages)
            except DocgenError as e:
                self.add(body, None, f"试渲染 {fmt.upper()} 失败：{e.message}", e.expected or "", "render")
            except Exception as e:  # a writer bug must still come out as a finding, not a traceback
                self.add(body, None, f"试渲染 {fmt.upper()} 失败：{type(e).__name__}: {e}",
                         "请把模板和这条信息报告给维护者", "render")

    def render_word(self, tpl, values: dict) -> None:
        from ..engine.word import leftover_tags, soffice, write_word_outputs

        formats = ("docx", "pdf") if self.pdf and soffice() else ("docx",)
        with tempfile.TemporaryDirectory(prefix="docgen-lint-") as tmpd:
            try:
                written = write_word_outputs(tpl, values, self.profile, Path(tmpd) / tpl.id, formats)
            except DocgenError as e:
                self.add(e.file or tpl.body_path, e.row, f"试渲染示例时出错：{e.message}", e.expected or "", "render",
                         paragraph=e.row is not None and str(e.file) == str(tpl.body_path))
                return
            for where, text in leftover_tags(tpl.body_path, written[0], values):
                self.add(tpl.body_path, None, f"渲染后{where}仍有没处理的标签：「{text.strip()[:40]}」",
                         "标签要写在一段文字里，{{ 和 }} 之间不要插入空格；表格整行循环用 {%tr for … %}", "render")


def resolve(path: str | Path, templates: list[Path] | None = None) -> Path:
    """The template folder for a lint argument: a folder, its template.yaml, or a template id."""
    p = Path(path).expanduser()
    if p.is_file() and p.name == "template.yaml":
        return p.parent
    if p.is_dir():
        return p
    if not p.exists() and "/" not in str(path) and "\\" not in str(path):
        from .folders import Library
        lib = Library(templates)
        if str(path) in lib.ids():
            return lib._folders[str(path)][1]
    raise DataError("找不到模板文件夹", file=str(path), expected="模板文件夹（含 template.yaml）或模板 id")


def lint_template(path: str | Path, *, profile: Profile | None = None, render: bool = True, pdf: bool = True,
                  templates: list[Path] | None = None) -> list[Problem]:
    """Check a template folder; returns the problems found (empty when clean), in file and line order."""
    folder = resolve(path, templates)
    linter = _Linter(folder, profile or Profile(), render, pdf)
    if linter.check_yaml():
        values = linter.check_sample()
        body, ast, env, _, word = linter.body_ast() if (folder / str(linter.raw.get("body", "body.md"))).is_file() \
            else (None, None, None, [], False)
        if ast is not None and body is not None:
            blanks = linter.check_names(body, ast, env, word)
            if render and not linter.blocking:
                linter.test_render(body, values, word, blanks, env)
    return sorted(linter.problems, key=lambda p: (p.file != str(linter.yml), p.file, p.line or 0))


def format_problems(problems: Iterable[Problem]) -> str:
    """All problems as text, one paragraph each."""
    return "\n".join(p.describe() for p in problems)
