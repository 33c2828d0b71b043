"""The annotation file formats: their names, the Raven columns, and the one error every file problem raises.

Thread: any (constants and a pure function).  Read by
:mod:`.annotation_files` (reading, detecting, finding beside a recording) and
:mod:`.annotation_writer` (writing); the formats themselves are described in
:mod:`.annotation_files`.
"""

from __future__ import annotations

import os
from typing import Literal

Format = Literal["raven", "audacity", "csv"]

RAVEN_COLUMNS = ("Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)")
"""The first columns of a Raven selection table, in Raven's order."""
LABEL_COLUMNS = ("Annotation", "Label", "label", "annotation")
"""Columns read as the label, the first present wins; new tables use ``Annotation``."""
NOTES_COLUMN = "Notes"
DEFAULT_VIEW = "Spectrogram 1"
MAX_FILE_BYTES = 64 << 20
"""Largest annotation file read (64 MiB, some 500 000 rows)."""
NUMERIC_COLUMNS = ("Selection", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)")
"""The Raven columns specscope reads as numbers (the others travel as text)."""


class AnnotationFileError(ValueError):
    """A file that cannot be read or written as annotations; one line naming the file (and line)."""


def format_for_path(path: str | os.PathLike[str]) -> Format:
    """The format a name asks for when writing: ``.csv`` is CSV, anything else a Raven table."""
    return "csv" if os.fspath(path).lower().endswith(".csv") else "raven"
