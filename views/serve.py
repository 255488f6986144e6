"""`python -m views.serve [streamlit options]`: `streamlit run app.py`, warm from the start.

Streamlit runs app.py only when the first visitor arrives, so a freshly started server would
make that visitor wait for the first sync and for every number of the Weekly review. Started
this way, the server does both as soon as it is up (views/shell.start_up, in a background
thread), and the first visitor finds the default view computed. `python3 dev.py run` and the
deployment examples in the README start it like this; any streamlit option passes through.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from data.settings import ROOT


def _start_up_when_the_runtime_is_up() -> None:
    from streamlit.runtime import Runtime

    deadline = time.monotonic() + 120
    while not Runtime.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        from views import shell

        shell.start_up()
    except Exception:  # the first visitor's run does the same work, and shows what failed
        logging.getLogger("agency_pulse").warning("start-up warm-up failed", exc_info=True)


def main(argv: list[str]) -> int:
    threading.Thread(target=_start_up_when_the_runtime_is_up, name="pulse-start-up", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *argv]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
