"""Shared test set-up: real Qt on the offscreen platform for GUI tests."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
