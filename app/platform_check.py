"""Before Qt starts on Linux/X11: are the system libraries of Qt's xcb plugin installed?

On a fresh Debian/Ubuntu machine PySide6's wheel brings Qt but not the X11 client libraries its
``xcb`` platform plugin links to (libxcb-icccm4, libxcb-keysyms1, libxcb-cursor0 ...). Qt then
aborts with a message that names one of them at best. ``ldd`` on the plugin lists every missing
library at once; Debian names a library's package after its soname (``libxcb-icccm.so.4`` ->
``libxcb-icccm4``), so the app can print the one ``apt-get`` command that fixes it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

# sonames whose Debian package does not follow the soname rule
_PACKAGE_OF = {
    "libGL.so.1": "libgl1", "libEGL.so.1": "libegl1", "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0", "libdbus-1.so.3": "libdbus-1-3",
}
# loaded by Qt at run time (dlopen), so ldd does not list them; Qt >= 6.5 needs xcb-cursor
_DLOPENED = ("libxcb-cursor.so.0",)


def package_for(soname: str) -> str:
    """Debian package of a shared library: ``libxcb-icccm.so.4`` -> ``libxcb-icccm4``,
    ``libxkbcommon-x11.so.0`` -> ``libxkbcommon-x11-0`` (a name ending in a digit gets a dash)."""
    if soname in _PACKAGE_OF:
        return _PACKAGE_OF[soname]
    m = re.match(r"^(lib.+?)\.so\.(\d+)", soname)
    if not m:
        return soname
    name, major = m.group(1), m.group(2)
    sep = "-" if name[-1].isdigit() else ""
    return f"{name}{sep}{major}".lower()


def xcb_plugin() -> Path | None:
    """PySide6's ``plugins/platforms/libqxcb.so`` (None when PySide6 has none: not Linux)."""
    try:
        import PySide6
    except ImportError:
        return None
    path = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.is_file() else None


def _found(soname: str) -> bool:
    try:
        out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return True          # cannot tell: let Qt say
    return soname in out


def missing_libraries(plugin: Path | None = None) -> list[str]:
    """Sonames the xcb plugin needs that the system lacks ([] when all are there or ldd is absent)."""
    plugin = plugin or xcb_plugin()
    if plugin is None or shutil.which("ldd") is None:
        return []
    try:
        out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    missing = [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]
    missing += [s for s in _DLOPENED if s not in missing and not _found(s)]
    return sorted(set(missing))


def missing_xcb_packages() -> list[str]:
    """Debian packages to install before the app can open a window on X11 ([] when none or not
    applicable: not Linux, no X display, or another Qt platform chosen)."""
    if not os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM", "xcb") not in ("", "xcb"):
        return []
    return sorted({package_for(s) for s in missing_libraries()})


def display_problem(env=None) -> str | None:
    """Why Qt's X11 plugin could not open a window, when that is certain before Qt tries (it would
    abort with "could not connect to display" and "Reinstalling the application may fix this
    problem"), else None. Certain: no ``DISPLAY`` and no ``WAYLAND_DISPLAY`` (an SSH session without
    X forwarding, a service), or a local display (``:N``, ``unix:N``) whose X server socket
    ``/tmp/.X11-unix/XN`` accepts no connection (the server is not running). A remote display
    (``host:N``) is left to Qt. Only for the default platform: None when ``QT_QPA_PLATFORM`` names
    another."""
    env = os.environ if env is None else env
    if env.get("QT_QPA_PLATFORM", "xcb") not in ("", "xcb"):
        return None
    display = env.get("DISPLAY", "")
    if not display:
        if env.get("WAYLAND_DISPLAY"):
            return None
        return "no display to open a window on (DISPLAY is not set)"
    m = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
    if m is None:
        return None
    path = f"/tmp/.X11-unix/X{m.group(1)}"
    for address in (path, "\0" + path):              # the socket file, then Linux's abstract name
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2.0)
            try:
                sock.connect(address)
                return None
            except OSError:
                continue
    return f"cannot connect to the X display {display} (no X server is listening on {path})"


def display_help(problem: str) -> str:
    """The message printed instead of Qt's abort when there is no display to open a window on."""
    return (f"mirage-review: {problem}.\nStart the app from a desktop session (or ssh -X), or run it without a "
            "window:\n\n    QT_QPA_PLATFORM=offscreen mirage-review RECORD --screenshot out.png\n"
            "    mirage-review RECORD|FOLDER --export-pdf DIR\n\n"
            "(mirage score and mirage report need no display.)")


def xcb_help(packages: list[str]) -> str:
    """The message printed instead of Qt's abort: what is missing and the one command to install it."""
    return ("mirage-review: Qt's X11 (xcb) platform plugin cannot start: these system packages are "
            f"missing: {', '.join(packages)}.\nInstall them (Debian/Ubuntu) with:\n\n"
            f"    sudo apt-get install -y {' '.join(packages)}\n\n"
            "or run without a window: QT_QPA_PLATFORM=offscreen mirage-review --screenshot out.png")
