"""How numbers are shown to people: one place, so the CLI and reports agree."""

from __future__ import annotations

import math
import unicodedata

__all__ = ["num", "pct", "pct_range", "sig", "signed", "text_table"]

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
    """A 95 % interval such as ``40.1–42.3%``, ``0.06–0.73%`` or ``0.0000–0.0037%``.

    One rule everywhere: both bounds to the decimals that give two significant digits of
    the bound farther from 0 % and 100 % (a bound of exactly 0 or 1 does not count), or of
    the middle of the interval if that needs more (so ``0.96%`` has ``0.79–1.17%``), the
    unit written once.
    """
    lo, hi = float(lo), float(hi)
    inner = [_decimals(b) for b in (lo, hi) if 0 < b < 1]
    d = min(inner) if inner else 1
    if 0 < lo and hi < 1:  # as many decimals as the estimate inside it shows (pct)
        d = max(d, _decimals((lo + hi) / 2))
    return f"{num(lo * 100, d)}–{num(hi * 100, d)}%"


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


def signed(x: float, decimals: int = 1, unit: str = "") -> str:
    """A change with its sign: ``+3.2 pp``, ``−1.4 km²`` (a true minus sign), ``0.0 pp``
    when it rounds to nothing."""
    text = num(abs(float(x)), decimals)
    sign = "" if float(text) == 0 else ("+" if x > 0 else "−")
    return f"{sign}{text}{' ' + unit if unit else ''}"


def text_table(frame) -> str:
    """``frame`` (text cells) as terminal lines, two spaces between columns: a column of
    numbers right-aligned under its header, a column of words (names) left-aligned; Chinese
    characters count two columns, as terminals draw them."""
    columns = [[str(c), *map(str, frame[c])] for c in frame.columns]
    widths = [max(_width(x) for x in col) for col in columns]
    words = [not any(cell[:1] and (cell[0].isdigit() or cell[0] in "+−-<>.") for cell in col[1:])
             for col in columns]

    def cell(text: str, width: int, left: bool) -> str:
        pad = " " * (width - _width(text))
        return text + pad if left else pad + text

    return "\n".join(
        "  ".join(cell(col[i], w, left) for col, w, left
                  in zip(columns, widths, words, strict=True)).rstrip()
        for i in range(len(frame) + 1))


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide East Asian characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

