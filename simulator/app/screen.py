"""What is on screen, and whether a panel still belongs to it (issue 38).

Every panel's content is kept with the :class:`Tag` of the request it answers (scenario,
uncertainty mode, values moved, language); :func:`fit` decides, at each render, whether it
is shown as it is, greyed, said again in the page's language, or cleared. Plain Python (no
Shiny): the page's panels (:mod:`simulator.app.panels`) and its tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.app.explorer import Explorer, Request

__all__ = ["Screen", "Tag", "fit", "tag_of"]


@dataclass(frozen=True)
class Tag:
    """What a panel's content answers: a scenario (its key and digest: a file uploaded
    again under the same name is another scenario), how its uncertain values are taken,
    the values moved (key path, value) and the language."""

    key: str
    digest: str
    mode: str | None
    values: tuple[tuple[str, float | int], ...]
    lang: str


def fit(made_for: Tag | None, on_screen: Tag | None) -> str:
    """How a panel made for ``made_for`` stands to what is on screen: ``"same"`` (show it),
    ``"language"`` (only the language differs: say it again in the page's language, or
    clear it), ``"values"`` (the same scenario, mode and language before a slider moved:
    greyed until the new answer), ``"other"`` (another scenario or mode, other values in
    another language, or nothing on one side: clear it)."""
    if made_for is None or on_screen is None:
        return "other"
    if (made_for.key, made_for.digest, made_for.mode) != (
            on_screen.key, on_screen.digest, on_screen.mode):
        return "other"
    same_values, same_lang = made_for.values == on_screen.values, made_for.lang == on_screen.lang
    if same_values:
        return "same" if same_lang else "language"
    return "values" if same_lang else "other"


def tag_of(explorer: Explorer, request: Request) -> Tag:
    """The tag of ``request``: no mode and the scenario's shipped mode are one request (the
    mode switch appears at its default after the first request is made)."""
    return Tag(request.key, explorer.digest(request.base),
               request.mode or explorer.shipped_mode(request.base), request.values,
               request.lang)


@dataclass(frozen=True, eq=False)
class Screen:
    """The request the page's controls make, and its tag."""

    request: Request
    tag: Tag
