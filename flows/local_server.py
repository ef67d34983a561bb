"""A Prefect server on this machine, started once and reused by every run.

Prefect's ephemeral API costs several seconds at each `cableocr run` (it starts a server, then
stops it) and cannot schedule deployments. `cableocr server` (which `make run` calls) starts
`prefect server start` once, in a session of its own; later runs find it and use it. With no server
running, runs fall back to the ephemeral API: nothing has to be started by hand. This module
imports nothing of Prefect, so that it can choose the API before Prefect reads its settings.
`cableocr server --stop` stops the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

LOCAL_API_URL = "http://127.0.0.1:4200/api"
LOCAL_UI_URL = "http://127.0.0.1:4200"


def healthy(api_url: str = LOCAL_API_URL, timeout: float = 0.5) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"true"
    except (OSError, ValueError):
        return False


def use_local_server() -> str | None:
    """The API this process will use: PREFECT_API_URL if set, else the local server if it is
    up (PREFECT_API_URL is then set to it); None means Prefect's ephemeral API, which
    CABLEOCR_PREFECT_API=ephemeral asks for."""
    if os.environ.get("CABLEOCR_PREFECT_API") == "ephemeral":
        return None
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if healthy():
        os.environ["PREFECT_API_URL"] = LOCAL_API_URL
        return LOCAL_API_URL
    return None


def _state_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cableocr"


def start_local_server(wait_seconds: float = 90.0) -> str:
    """Start the local server in the background unless it is up; return its API URL. Its log
    and process id are kept in ~/.cache/cableocr/. Raises RuntimeError when it does not answer
    in time."""
    if healthy():
        return LOCAL_API_URL
    state = _state_dir()
    state.mkdir(parents=True, exist_ok=True)
    log_path = state / "prefect-server.log"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    prefect = Path(sys.executable).with_name("prefect")
    with log_path.open("ab") as log:
        # A session of its own: the server outlives the command (and the terminal) that started it.
        server = subprocess.Popen([str(prefect), "server", "start", "--host", "127.0.0.1", "--port", "4200"],
                                  env=env, start_new_session=True, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT)
    (state / "prefect-server.pid").write_text(str(server.pid))
    deadline = time.monotonic() + wait_seconds
    while not healthy(timeout=2.0):
        if server.poll() is not None:
            raise RuntimeError(f"the Prefect server stopped at once (exit {server.returncode}); see {log_path}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Prefect server did not answer at {LOCAL_API_URL} within {wait_seconds:.0f} s; "
                               f"see {log_path}")
        time.sleep(0.5)
    return LOCAL_API_URL


def stop_local_server() -> bool:
    """Stop the server start_local_server started; False when there was none."""
    pid_file = _state_dir() / "prefect-server.pid"
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return False
    pid_file.unlink(missing_ok=True)
    try:
        os.killpg(pid, signal.SIGTERM)  # the server and the workers it started
    except ProcessLookupError:
        return False
    return True
