"""How numbers are shown to people: one place, so the CLI and reports agree."""

from __future__ import annotations

__all__ = ["pct", "pct_range"]


def pct(p: float) -> str:
    """A probability as a percentage, with enough digits to tell small ones from 0 and 1."""
    if p == 0 or p == 1 or 0.01 <= p <= 0.99:
        return f"{p:.1%}"
    return f"{p:.2%}"


def pct_range(lo: float, hi: float) -> str:
    """A 95 % interval such as ``40.1–42.3%`` (the unit written once)."""
    return f"{pct(lo)[:-1]}–{pct(hi)}"
