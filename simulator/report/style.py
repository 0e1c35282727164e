"""One restrained chart style, readable in greyscale, with a CJK font for Chinese."""

from __future__ import annotations

from contextlib import contextmanager

import matplotlib as mpl
from matplotlib import font_manager

from simulator.inputs.errors import LandsimError

__all__ = [
    "ACCENT",
    "GREYS",
    "HATCHES",
    "LINESTYLES",
    "MARKERS",
    "ReportError",
    "SERIES",
    "chart_style",
    "cjk_font",
]

GREYS = ["#1f1f1f", "#5a5a5a", "#8c8c8c", "#b5b5b5", "#d9d9d9", "#ececec"]
SERIES = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"]
"""Colours of runs or scenarios drawn side by side: Okabe & Ito's palette, told apart with
colour-vision deficiencies, paired with line styles and markers for greyscale print."""
ACCENT = "#a63d2a"  # targets; stays dark enough to read in greyscale
HATCHES = ["", "///", "...", "xx", "\\\\\\", "++", "oo"]
LINESTYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 1))]
MARKERS = ["o", "s", "^", "v", "D", "x"]

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
CJK_PACKAGE = "fonts-noto-cjk"


class ReportError(LandsimError):
    """A report cannot be made as asked (missing run files, no CJK font, …)."""


def cjk_font() -> str:
    """The family name of an installed font with Chinese glyphs.

    Raises ``ReportError`` naming the Debian package to install if there is none:
    rendering Chinese without one would draw empty boxes instead of characters.
    """
    for refresh in (False, True):
        if refresh:  # fonts installed after matplotlib built its cache
            _add_new_system_fonts()
        names = {f.name for f in font_manager.fontManager.ttflist}
        for family in CJK_FAMILIES:
            if family in names:
                return family
    raise ReportError(
        "no font with Chinese characters found for --lang zh; install one, e.g. "
        f"`sudo apt-get install {CJK_PACKAGE}` (Debian/Ubuntu), then run again"
    )


def _add_new_system_fonts() -> None:
    """Add CJK fonts installed since matplotlib's cache was built to the font manager in use.

    Adding to the existing manager, rather than building a new one, matters: matplotlib's
    module-level ``findfont`` (which rendering uses) stays bound to the manager it was
    created with, so a replaced manager would find the new font but never draw with it.
    Only fonts of the CJK families are added, so that no other text changes its font.
    """
    from matplotlib import ft2font

    manager = font_manager.fontManager
    known = {f.fname for f in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path in known:
            continue
        try:
            family = ft2font.FT2Font(path).family_name
        except (OSError, RuntimeError, ValueError):
            continue  # a font file FreeType cannot read: matplotlib skips those too
        if family in CJK_FAMILIES or "CJK" in family:
            manager.addfont(path)


def _rc(lang: str) -> dict:
    if lang == "zh":
        families = [cjk_font(), "DejaVu Sans"]
    else:  # a Chinese word in an English label (a pathway's 土地整备) falls back to CJK
        try:
            families = ["DejaVu Sans", cjk_font()]
        except ReportError:
            families = ["DejaVu Sans"]
    return {
        "font.family": families,  # a list: glyphs missing from the first come from the next
        "font.sans-serif": families,
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 9,
        "axes.edgecolor": GREYS[1],
        "axes.linewidth": 0.7,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.color": GREYS[4],
        "grid.linewidth": 0.5,
        "axes.prop_cycle": mpl.cycler(color=GREYS[:4]),
        "xtick.color": GREYS[1],
        "ytick.color": GREYS[1],
        "legend.frameon": False,
        "legend.fontsize": 8,
        "axes.unicode_minus": False,  # CJK fonts often lack U+2212
        # Titles and names come from users' scenarios: draw "$" literally, never as TeX
        # (an unbalanced "$" or an unknown "\\foo" would fail after the whole simulation).
        "text.parse_math": False,
        "svg.fonttype": "path",  # SVG carries its glyphs: no font needed to view it
        "svg.hashsalt": "landsim",  # stable element ids: the same run gives the same files
        "savefig.dpi": 200,
    }


@contextmanager
def chart_style(lang: str = "en"):
    """Apply the landsim chart style (and a CJK font for ``zh``) inside a ``with`` block.

    Starts from fresh font objects: matplotlib's cached FreeType fonts carry state (size,
    hinting) that can move text extents by 1e-6 pt, and so the constrained layout, with
    whatever was drawn before; fresh fonts make a chart depend only on its data.
    """
    from matplotlib import font_manager, text

    font_manager._get_font.cache_clear()
    metrics = getattr(text, "_get_text_metrics_function", None)  # per-renderer caches
    if hasattr(metrics, "cache_clear"):
        metrics.cache_clear()
    with mpl.rc_context(_rc(lang)):
        yield
