"""The district section's charts: a small-multiple fan of cumulative release per district,
and a schematic tile map of Shenzhen's districts coloured by the chance that each reaches
its part of the section's target. Both take a :class:`RunData` (as the report's other
charts) and draw only when its summary has districts; the numbers come from
:mod:`simulator.report.district_data`. Areas are km².
"""

from __future__ import annotations

import re
import textwrap

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from simulator.report.district_data import (
    district_label,
    district_rows,
    fan_data,
    section_target,
    tile_values,
)
from simulator.report.formatting import num, pct
from simulator.report.i18n import label_of_target, t
from simulator.report.rundata import RunData
from simulator.report.style import ACCENT, GREYS

__all__ = ["DISTRICT_CHARTS", "district_charts_for", "district_fans_chart",
           "district_map_chart"]

COLOURS = "cividis"
"""The map's colour scale: light with a high chance, dark with a low one, and its lightness
rises steadily, so that it reads in greyscale print and with colour-vision deficiencies."""


def _target(run: RunData) -> dict:
    name = section_target(run.summary, run.scenario.headline)
    return next(x for x in run.targets if x["name"] == name)


def _part_point(target: dict, data, start: int, part: float) -> tuple[int, float, float]:
    """Where a district's part sits on its cumulative fan: (year, base, base + part). A
    window target's part is released over its window: on top of the median before it."""
    if target["from"] == start or target["from"] - 1 not in data.index:
        return target["by"], 0.0, part
    base = float(data.p50.loc[target["from"] - 1])
    return target["by"], base, base + part


def district_fans_chart(run: RunData, axes=None, *, lang: str = "en",
                        districts: list[str] | None = None) -> list[Axes]:
    """One panel per district (``districts``: these only, default all): the p10–p90 band
    and the median of its cumulative release by year, all pathways, and a diamond at its
    part of the section's target. Each panel has its own y scale: a district of 2 km² is
    flat on a scale of 20; the panel's title gives the part and the chance of reaching it."""
    target = _target(run)
    rows = {r["district"]: r for r in district_rows(run.summary, target["name"])}
    names = districts if districts is not None else list(run.summary["districts"]["names"])
    n = len(names)
    if axes is None:
        cols = min(n, 3)
        lines = -(-n // cols)
        size = (7.0, 1.75 * lines + 0.9) if n > 1 else (7.0, 3.4)  # one: the explorer's
        fig = Figure(figsize=size, layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(lines, cols, squeeze=False).ravel()))
        for extra in axes[n:]:
            extra.set_visible(False)
    fig = axes[0].figure
    start = run.scenario.horizon.start
    label = label_of_target(run.scenario, target["name"], lang)
    for i, (ax, name) in enumerate(zip(axes, names, strict=False)):
        data = fan_data(run.summary, name)
        years = data.index.to_numpy()
        ax.fill_between(years, data.p10, data.p90, color=GREYS[4], linewidth=0,
                        label=t("band80", lang))
        ax.plot(years, data.p50, color=GREYS[0], linewidth=1.4, label=t("median", lang))
        row = rows.get(name)
        if row is not None:
            by, base, top = _part_point(target, data, start, row["part_km2"])
            if base:  # a window: the rise it needs, drawn from the median before it
                ax.plot([target["from"] - 1, by], [base, top], color=ACCENT, linewidth=0.8,
                        linestyle=(0, (2, 2)))
            ax.plot([by], [top], marker="D", color=ACCENT, markersize=4.5, linestyle="none",
                    label=t("districts.part_marker", lang, target=label))
        if run.status is not None:  # history to the left: actual figures, no spread
            ax.axvline(run.status["as_of"] - 1, color=GREYS[2], linewidth=0.7, linestyle=":")
        ax.set_title(t("districts.panel", lang, name=district_label(name, lang),
                       part=num(row["part_km2"], 2) if row else "–",
                       p=pct(row["probability"]) if row else "–"),
                     fontsize=8, fontweight="normal")
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ax.set_ylim(bottom=0, top=max(float(data.p90.max()), row["part_km2"] if row else 0,
                                      1e-3) * 1.12)
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax.tick_params(labelsize=7)
        if i % min(n, 3) == 0:
            ax.set_ylabel(t("districts.y", lang), fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper right", ncols=2, fontsize=7, frameon=False)
    fig.suptitle(t("districts.fans_title", lang), x=0.01, ha="left", fontweight="bold",
                 fontsize=10)
    return list(axes[:n])


def _tile_name(text: str, lang: str) -> str:
    """A district's name over lines that fit a tile: at a hyphen or space in English
    (Shenzhen-/Shanwei), four characters a line in Chinese."""
    if re.search(r"[\u3400-\u9fff]", text):
        return "\n".join(text[i:i + 4] for i in range(0, len(text), 4))
    return "\n".join(textwrap.wrap(text, 10)) or text


def _ink_on(rgba) -> str:
    """Black on a light tile, white on a dark one (relative luminance)."""
    r, g, b = rgba[:3]
    return GREYS[0] if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"


def district_map_chart(run: RunData, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Where the land is: Shenzhen's districts as tiles placed roughly where they lie,
    each coloured by the chance that it releases at least its part of the section's target
    and labelled with its name, part (km²) and that chance; districts the scenario does not
    name are grey; names the map does not know are listed beside it."""
    target = _target(run)
    tiles, beside = tile_values(run.summary, target["name"])
    if ax is None:
        ax = Figure(figsize=(7.0, 3.1), layout="constrained").add_subplot()
    colours, norm = colormaps[COLOURS], Normalize(0.0, 1.0)
    for tile in tiles:
        x, y = tile.column, -tile.row
        named = tile.probability is not None
        face = colours(norm(tile.probability)) if named else GREYS[5]
        ax.add_patch(Rectangle((x - 0.47, y - 0.47), 0.94, 0.94, facecolor=face,
                               edgecolor="white" if named else GREYS[3], linewidth=1.0,
                               hatch=None if named else "///"))
        name = _tile_name(district_label(tile.district or t(f"district.{tile.key}", lang),
                                         lang), lang)
        text = (t("districts.tile", lang, name=name, part=num(tile.part_km2, 2),
                  p=pct(tile.probability)) if named else name)
        ax.text(x, y, text, ha="center", va="center", fontsize=6.5, linespacing=1.15,
                color=_ink_on(face) if named else GREYS[1])
    right = max(tile.column for tile in tiles) + 0.5
    if beside:
        items = [t("districts.beside_item", lang, name=district_label(r["district"], lang),
                   part=num(r["part_km2"], 2), p=pct(r["probability"])) for r in beside]
        listing = "\n".join([t("districts.beside", lang),
                             *(textwrap.fill(item, 30) if lang == "en" else item
                               for item in items)])
        ax.text(right + 0.3, 0.47, listing, ha="left", va="top", fontsize=7, color=GREYS[0])
        right += 3.2
    ax.set_xlim(-0.6, right)
    ax.set_ylim(-1.6, 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    label = label_of_target(run.scenario, target["name"], lang)
    # the figure's title, not the axes': a long target label ran into the colour bar
    ax.figure.suptitle(t("districts.map_title", lang, target=label), x=0.01, ha="left",
                       fontweight="bold", fontsize=10)
    bar = ax.figure.colorbar(ScalarMappable(norm, colours), ax=ax, fraction=0.03, pad=0.01,
                             shrink=0.8, format=PercentFormatter(1.0, decimals=0))
    bar.set_label(t("districts.map_cbar", lang), fontsize=8)
    bar.ax.tick_params(labelsize=7)
    ax.legend(handles=[Patch(facecolor=GREYS[5], edgecolor=GREYS[3], hatch="///",
                             label=t("districts.tile_unnamed", lang))],
              loc="upper left", bbox_to_anchor=(0.0, 0.0), fontsize=7, frameon=False)
    return ax


DISTRICT_CHARTS = (("district-map", district_map_chart),
                   ("district-fans", district_fans_chart))
"""(file stem, drawing function) of the district section's charts, in section order."""


def district_charts_for(run: RunData) -> tuple:
    """The district charts of ``run``'s report: both when its summary has districts."""
    from simulator.report.district_data import has_districts

    return DISTRICT_CHARTS if has_districts(run.summary) else ()
