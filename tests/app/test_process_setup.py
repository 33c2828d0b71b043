"""The ``specscope`` command's process set-up, each case in a fresh interpreter (NumPy not yet loaded)."""

import os
import subprocess
import sys

from specscope.app.process_setup import BLAS_THREAD_VARIABLES

# Wrap single_threaded_blas before specscope.app.cli runs it: did NumPy load before it, and what did it set?
PROBE = """
import sys
import specscope.app.process_setup as setup
seen = {}
original = setup.single_threaded_blas
def probe():
    seen["numpy_loaded_before"] = "numpy" in sys.modules
    original()
setup.single_threaded_blas = probe
import os
import specscope.app.cli
print(seen["numpy_loaded_before"], "numpy" in sys.modules, os.environ["OPENBLAS_NUM_THREADS"])
"""


def run_probe(env_extra):
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True, text=True)
    return out.stdout.split()


def test_the_command_asks_for_one_blas_thread_before_numpy_loads():
    assert run_probe({}) == ["False", "True", "1"]


def test_a_thread_count_the_user_set_wins():
    assert run_probe({"OPENBLAS_NUM_THREADS": "3"}) == ["False", "True", "3"]
