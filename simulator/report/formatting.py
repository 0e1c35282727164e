"""How numbers are shown to people: one place, so the CLI and reports agree."""

from __future__ import annotations

import math

__all__ = ["num", "pct", "pct_range", "sig"]

_MAX_DECIMALS = 4  # 0.0001 % — the resolution of 10⁶ replications and more


def _decimals(p: float) -> int:
    """Decimals of a percentage that show about two significant digits of p or of 1 − p."""
    v = min(p, 1 - p) * 100
    if p in (0, 1) or v >= 1:
        return 1
    if v < 10 ** -_MAX_DECIMALS:
        return _MAX_DECIMALS
    return min(_MAX_DECIMALS, max(1, 1 - math.floor(math.log10(v))))


def pct(p: float) -> str:
    """A probability as a percentage, with enough digits to tell small ones from 0 and 1.

    ``0.0%`` and ``100.0%`` only for exactly 0 and 1; below 0.0001 % ``< 0.0001%``.
    """
    p = float(p)
    if 0 < p < 10 ** -(_MAX_DECIMALS + 2):
        return f"< {10 ** -_MAX_DECIMALS:.{_MAX_DECIMALS}f}%"
    if 0 < 1 - p < 10 ** -(_MAX_DECIMALS + 2):
        return f"> {100 - 10 ** -_MAX_DECIMALS:.{_MAX_DECIMALS}f}%"
    return f"{p * 100:.{_decimals(p)}f}%"


def pct_range(lo: float, hi: float) -> str:
    """A 95 % interval such as ``40.1–42.3%`` or ``0.0000–0.0037%``: both bounds shown to
    the same number of decimals, enough for the narrower side, the unit written once."""
    d = max(_decimals(float(lo)), _decimals(float(hi)))
    return f"{num(float(lo) * 100, d)}–{num(float(hi) * 100, d)}%"


def num(x: float, decimals: int = 2) -> str:
    """``x`` to ``decimals`` places, never ``-0.00`` (a rounding artefact, not a sign)."""
    text = f"{float(x):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def sig(x: float, digits: int = 2) -> str:
    """``x`` to ``digits`` significant digits in plain decimals (``0.0034``, ``0.51``, ``120``,
    ``0``): a small but real index is not "0.00", and no exponent reaches a reader."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return num(x, 0) if x == 0 else str(x)
    return num(x, max(0, digits - 1 - math.floor(math.log10(abs(x)))))
