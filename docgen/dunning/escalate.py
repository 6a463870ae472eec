"""The dunning ladder from history: which level a unit in arrears is due, from its letters in the register."""
from __future__ import annotations

from datetime import date

from ..register import Register


def ladder(reg: Register, unit: str, *, on: date, days: int = 15) -> tuple[int | None, str]:
    """The dunning level a unit still in arrears is due on a date, from its letters in the register, and why.

    No letter yet: level 1.  The last letter younger than ``days``: none.  A level-1 letter at least
    ``days`` old: level 2.  Level 3 only after a level-2 letter recorded as delivered at least ``days``
    before.  After a level-3 letter: none (the next step is the court, not another letter)."""
    last = next(reg.history(unit), None)
    if last is None:
        return 1, "登记簿中没有本户的催缴记录：第 1 级"
    no = last.number or last.reference
    age = (on - last.issue_date).days
    if age < days:
        return None, f"已于 {last.issue_date} 发出 {no}，未满 {days} 天"
    if last.level == 1:
        return 2, f"{no}（{last.issue_date}）发出已满 {days} 天仍欠费：第 2 级"
    if last.level == 2:
        dl = last.delivered
        if dl is None:
            return None, (f"{no}（{last.issue_date}）尚未登记送达，不能发第 3 级"
                          "（收回回执后先在登记簿登记送达方式和日期）")
        served = date.fromisoformat(dl["date"])
        if (on - served).days < days:
            return None, f"{no} 于 {served} 送达，未满 {days} 天"
        return 3, f"{no} 于 {served} {dl['method']}已满 {days} 天仍欠费：第 3 级"
    return None, f"已于 {last.issue_date} 发出第 {last.level} 级 {no}，不再自动发函（下一步考虑诉讼）"
