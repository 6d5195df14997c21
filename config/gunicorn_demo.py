"""gunicorn settings for `make run` (scripts/run.sh): the server loads the application while demo_setup builds the
demo, and opens its port once the demo is there.

scripts/run.sh starts gunicorn and demo_setup side by side with DEMO_GATE, a directory demo_setup marks:
`static` once the static files are collected (WhiteNoise lists them when the application loads), `ready` once
the demo data is in. With preload_app the master imports config.wsgi once (pandas, scipy … ~12 s of CPU) while
migrations and the demo run, then waits for `ready` before it binds the port and forks its workers (which then
start warm: no worker imports anything again, a respawned one included). Without DEMO_GATE nothing waits.
"""
import os
import sys
import time

preload_app = True
_gate = os.environ.get("DEMO_GATE", "")
_parent = os.getppid()


def _wait(mark):
    while _gate and not os.path.exists(os.path.join(_gate, mark)):
        # scripts/run.sh removes the directory when demo_setup failed or was interrupted
        if not os.path.isdir(_gate) or os.getppid() != _parent:
            sys.exit("demo set-up did not finish: not serving")
        time.sleep(0.1)


_wait("static")  # this file is read before the application is preloaded


def on_starting(server):
    _wait("ready")
