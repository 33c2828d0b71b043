"""The ``specscope`` command line: the GUI launcher and the file and live subcommands.

Thread: the main thread.
"""

from .main import main

__all__ = ["main"]
