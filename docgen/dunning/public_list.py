"""The 欠费公示 (public arrears list): unit, masked name and amount of the units that got letters."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from ..errors import DataError
from ..formatting import mask_name
from ..library import Template
from ..profile import Profile
from ..render import build_document, write_outputs
from ..script import convert_document
from .ledger import Unit

PUBLIC_LIST = "arrears-public-list"
PUBLIC_NAME = "欠费公示"
PUBLIC_BASIS_HINT = ("在 docgen.toml 中写明公示的依据：[dunning] public_list_basis = \"《管理规约》第…条\" "
                     "或 \"…年业主大会决定\"；没有依据时不公示（不写欠费公示 public_list）")


def require_basis(profile: Profile) -> str:
    """The profile's basis for posting an arrears list; DataError when it names none."""
    # 个人信息保护: a public arrears list needs a basis (管理规约 or an owners' assembly decision).
    if not profile.public_list_basis:
        raise DataError("欠费公示需要依据（管理规约的条款或业主大会的决定），机构配置里没有写明",
                        field="public_list", expected=PUBLIC_BASIS_HINT)
    return profile.public_list_basis


def write_public_list(tpl: Template, profile: Profile, units: list[Unit], out: Path, formats: tuple[str, ...], *,
                      as_of: date, issue_date: date, due_date: date | None, script: str = "hans") -> list[Path]:
    """The 欠费公示 (public arrears list) of the units that got letters: one line per unit.

    Only what the law allows on a notice board: unit, masked name (张**, masked here already, whatever
    the template does) and the amount; no phone, no ID, no fee detail. The list names its basis,
    the profile's [dunning] public_list_basis."""
    basis = require_basis(profile)
    rows = [{"building": u.building, "unit": u.unit, "owner_name": mask_name(u.owner_name),
             "amount": sum((c.amount for c in u.charges), Decimal("0.00"))} for u in units]
    data = {"as_of": as_of, "issue_date": issue_date, "arrears": rows, "basis": basis}
    if due_date is not None:
        data["due_date"] = due_date
    doc = convert_document(build_document(tpl, data, profile, file=PUBLIC_NAME), script)
    return write_outputs(doc, out / PUBLIC_NAME, formats, profile)
