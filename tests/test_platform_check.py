"""app.platform_check: what the app says instead of Qt's abort when it cannot open a window."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.platform_check import display_problem, package_for

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 sockets and Qt's xcb plugin: Linux")


def test_debian_package_names_follow_the_soname():
    assert package_for("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert package_for("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert package_for("libEGL.so.1") == "libegl1"


def _free_display() -> int:
    """A display number with no X server socket file."""
    n = 4000 + os.getpid() % 1000
    while Path(f"/tmp/.X11-unix/X{n}").exists():
        n += 1
    return n


@linux
def test_a_display_is_a_problem_only_when_certain():
    assert display_problem({}) == "no display to open a window on (DISPLAY is not set)"
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}) is None                 # Qt may use Wayland
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None                 # no window asked for
    assert display_problem({"DISPLAY": "remote.example:0"}) is None                  # left to Qt
    n = _free_display()
    assert display_problem({"DISPLAY": f":{n}"}) == \
        f"cannot connect to the X display :{n} (no X server is listening on /tmp/.X11-unix/X{n})"
    # an X server listening (on Linux's abstract socket name, as Xorg and Xvfb also do): no problem
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(f"\0/tmp/.X11-unix/X{n}")
        server.listen(1)
        assert display_problem({"DISPLAY": f":{n}"}) is None
        assert display_problem({"DISPLAY": f"unix:{n}.0"}) is None


@linux
def test_the_app_without_a_display_says_so_instead_of_aborting(tmp_path):
    """`mirage-review` over ssh without X forwarding: Qt aborted ("could not connect to display", "Reinstalling
    the application may fix this problem", core dumped). Now exit 3 with what to do instead."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    for display in (None, f":{_free_display()}"):
        if display:
            env["DISPLAY"] = display
        run = subprocess.run([sys.executable, "-m", "app"], env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 3, (run.returncode, run.stderr[-500:])
        assert run.stderr.startswith("mirage-review: ") and "--export-pdf DIR" in run.stderr
        assert "QT_QPA_PLATFORM=offscreen mirage-review RECORD --screenshot out.png" in run.stderr
        assert "Reinstalling" not in run.stderr and "Traceback" not in run.stderr
