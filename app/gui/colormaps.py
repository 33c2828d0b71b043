"""Colour maps for spectrograms: 256-entry lookup tables and pyqtgraph ColorMaps.

Thread: the Qt GUI thread (pyqtgraph objects); the tables themselves are plain
numpy arrays.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from specscope.app.model.settings import COLORMAP_NAMES, DisplaySettings

__all__ = ["COLORMAP_NAMES", "DEFAULT_COLORMAP", "LUT_SIZE", "colormap", "lookup_table"]

DEFAULT_COLORMAP = DisplaySettings().colormap
"""The display model's default; ``contrast`` (one of :data:`COLORMAP_NAMES`) is a high-contrast
black-blue-red-yellow-white map."""
LUT_SIZE = 256

# High-contrast map: dark to bright with large hue changes between steps.
_CONTRAST_STOPS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
_CONTRAST_COLOURS = (
    (0, 0, 0),
    (20, 30, 170),
    (160, 30, 200),
    (245, 45, 45),
    (255, 205, 0),
    (255, 255, 255),
)


def colormap(name: str) -> pg.ColorMap:
    """The pyqtgraph ColorMap called `name` (one of :data:`COLORMAP_NAMES`).

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if name == "grey":
        return pg.ColorMap(pos=[0.0, 1.0], color=[(0, 0, 0), (255, 255, 255)], name="grey")
    if name == "contrast":
        return pg.ColorMap(pos=list(_CONTRAST_STOPS), color=list(_CONTRAST_COLOURS), name="contrast")
    if name in COLORMAP_NAMES:
        return pg.colormap.get(name)
    raise ValueError(f"colour map must be one of {', '.join(COLORMAP_NAMES)}, got {name!r}")


def lookup_table(name: str) -> np.ndarray:
    """256 x 4 uint8 RGBA table of the map `name`, index 0 = dB floor, 255 = ceiling."""
    lut = colormap(name).getLookupTable(0.0, 1.0, nPts=LUT_SIZE, alpha=True)
    return np.ascontiguousarray(lut, dtype=np.uint8)
