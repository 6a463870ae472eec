"""A document with a seal configured is a different document: its signature block keeps room for the
whole 42 mm seal. Every sample (and blank pad) rendered with a seal, its DOCX converted by LibreOffice in
one run: page counts equal to the PDF writer's, the bulletin-board notices still on one page, and the seal
over the signature block only in both formats."""
from __future__ import annotations

from docgen import preflight

from .sealcheck import seal_boxes, seal_findings

# One-page notices a clerk posts or hands over with the seal on them: the seal room must not push the
# signature (and the text it signs) onto a second sheet.
ONE_PAGE_SEALED = ("move-in-notice", "power-outage-notice", "move-in-payment-notice", "arrears-public-list",
                   "water-outage-notice", "wall-cleaning-notice", "fee-dunning-notice", "renovation-permit")


def test_every_sample_is_converted(sealed_samples, sealed_lo):
    _, sig = sealed_samples
    assert len(sealed_lo) >= 61 and set(sealed_lo) == set(sig)
    assert sum(1 for lines in sig.values() if lines) >= 20      # that many carry a seal


def test_page_counts_equal_with_a_seal(sealed_lo):
    differ = {n: (preflight.check_pages(p), preflight.check_pages(c)) for n, (p, c) in sealed_lo.items()
              if preflight.check_pages(p) != preflight.check_pages(c)}
    assert not differ, f"with a seal, PDF vs DOCX→LibreOffice pages: {differ}"


def test_one_page_notices_stay_on_one_page_with_their_seal(sealed_lo):
    for name in ONE_PAGE_SEALED:
        pdf, lo = sealed_lo[name]
        assert seal_boxes(pdf) and seal_boxes(lo), f"{name}: no seal drawn"
        assert (preflight.check_pages(pdf), preflight.check_pages(lo)) == (1, 1), name


def test_seal_covers_only_the_signature_block_in_both_formats(sealed_samples, sealed_lo):
    _, sig = sealed_samples
    problems = {}
    for name, (pdf, lo) in sealed_lo.items():
        for fmt, f in (("pdf", pdf), ("docx→lo", lo)):
            if name.endswith("-blank"):
                assert not seal_boxes(f), f"{name} ({fmt}): a blank pad never prints the seal image"
            found = seal_findings(f, sig[name])
            if found:
                problems[f"{name} ({fmt})"] = found
    assert not problems, problems
