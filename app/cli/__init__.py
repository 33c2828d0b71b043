"""The ``specscope`` command line: the GUI launcher and the file and live subcommands.

Thread: the main thread.
"""

from specscope.app.process_setup import single_threaded_blas

single_threaded_blas()  # before NumPy loads: see specscope.app.process_setup

from .main import main  # noqa: E402

__all__ = ["main"]
