"""``python -m sim.viz [--port N] [--host H] [--open]``: the viewer in the browser (needs the viz extra).

Starts Solara's server on :mod:`sim.viz.app` in production mode and prints the address. Run it from the
project folder: the viewer builds runs from ``configs/`` and lists the experiments under ``outputs/`` and
``multirun/`` of the folder it starts in. Solara's usage statistics (sent to Mixpanel unless switched off)
and its check for a newer release (a request to PyPI) are switched off: the viewer sends nothing anywhere.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence

from sim.command import ArgumentParser, run_command
from sim.errors import UserError

__all__ = ["main"]

PORT = 8765


def main(argv: Sequence[str] | None = None) -> int:
    """Start the viewer's server; returns its exit code when it stops.

    Raises:
        sim.errors.UserError: the viz extra is not installed, or a bad port.
    """
    ap = ArgumentParser(prog="python -m sim.viz", description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=PORT, help=f"the port (default {PORT}; 0: any free port)")
    ap.add_argument("--host", default="localhost", help="the address to listen on (default localhost)")
    ap.add_argument("--open", action="store_true", help="open the page in the default browser")
    args = ap.parse_args(argv)
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port: {args.port} is not a port; allowed: 0 to 65535")
    missing = [m for m in ("solara", "solara_assets") if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(
            f"the viewer needs the viz extra ({', '.join(missing)} not installed): "
            'pip install -c constraints.txt -e ".[viz]"'
        )
    command = [sys.executable, "-m", "solara", "run", "sim.viz.app", "--production", "--no-check-version",
               "--port", str(args.port), "--host", args.host]  # fmt: skip
    command.append("--open" if args.open else "--no-open")
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    print(f"The viewer: http://{args.host}:{args.port}/ (Ctrl+C stops it)", flush=True)
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    run_command(main)
