"""``launch()`` end to end in a subprocess: the demo recording when there is no input device, and a file
opened in the window.  Settings go to a temporary XDG_CONFIG_HOME."""

import json
import os
import subprocess
import sys
from pathlib import Path

from specscope.app.gui.main_window import DEMO_NOTICE, demo_path

PROBE = r"""
import json, sys, time
from PyQt6.QtCore import QTimer
from specscope.app.gui.launch import application, launch
app = application()
out = {}
t_end = time.monotonic() + 15.0
def probe():
    from specscope.app.gui.main_window import MainWindow
    w = next(x for x in app.topLevelWidgets() if isinstance(x, MainWindow))
    if w.frames_received <= 100 and time.monotonic() < t_end:  # a loaded machine starts slowly: wait, bounded
        QTimer.singleShot(250, probe)
        return
    out.update(status=w.config_label.text(), source=w.source_label.text(), title=w.windowTitle(),
               running=w.pipeline is not None and w.pipeline.running,
               frames=w.frames_received, tabs=[w.tabs.tabText(i) for i in range(w.tabs.count())],
               current=w.tabs.tabText(w.tabs.currentIndex()),
               banner=w.banner.text.text() if w.banner.isVisible() else "")
    w.close()
    app.quit()
QTimer.singleShot(2500, probe)
code = launch(sys.argv[1] if len(sys.argv) > 1 else None)
print(json.dumps(dict(out, code=code)))
"""


def _run(tmp_path: Path, env_changes: dict, *args: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"), **env_changes)
    res = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=90)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_no_input_device_plays_the_demo_and_says_so(tmp_path):
    # A PulseAudio address that does not exist: PortAudio lists no input device at all.
    env = {"PULSE_SERVER": f"unix:{tmp_path}/no-such-server", "PULSE_RUNTIME_PATH": str(tmp_path / "none"),
           "XDG_RUNTIME_DIR": str(tmp_path)}
    out = _run(tmp_path, env)
    assert out["code"] == 0 and out["running"] and out["frames"] > 100, out
    assert out["source"] == DEMO_NOTICE and DEMO_NOTICE in out["title"], out
    assert out["status"].startswith("fs ") and "Δf" in out["status"]
    assert demo_path().is_file()


def test_launch_with_a_file_opens_it_in_the_file_tab(tmp_path, pulse_server):
    out = _run(tmp_path, {}, str(demo_path()))
    assert out["code"] == 0 and out["banner"] == "", out
    assert out["tabs"][0] == "Live" and out["current"] == "File", out
