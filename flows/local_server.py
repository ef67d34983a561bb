"""A Prefect server on this machine, started once and reused by every run.

Prefect's ephemeral API costs several seconds at each `cableocr run` (it starts a server, then
stops it) and cannot schedule deployments. `cableocr server` (which `make run` calls) starts
`prefect server start --background` once; later runs find it and use it. With no server
running, runs fall back to the ephemeral API: nothing has to be started by hand. This module
imports nothing of Prefect, so that it can choose the API before Prefect reads its settings.
"""

from __future__ import annotations

import os
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


def start_local_server(wait_seconds: float = 90.0) -> str:
    """Start the local server in the background unless it is up; return its API URL.
    Raises RuntimeError when it does not answer in time."""
    if healthy():
        return LOCAL_API_URL
    prefect = Path(sys.executable).with_name("prefect")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A session of its own: the server outlives the command (and the terminal) that started it.
    subprocess.run([str(prefect), "server", "start", "--background"], env=env, check=True, start_new_session=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    deadline = time.monotonic() + wait_seconds
    while not healthy(timeout=2.0):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Prefect server did not answer at {LOCAL_API_URL} within {wait_seconds:.0f} s")
        time.sleep(0.5)
    return LOCAL_API_URL
