"""Run ``rasa run`` with its HTTP API token from the environment, never from the command line.

    python scripts/rasa_run.py run --port 5005 ...

With ``BOT_API_TOKEN`` set, the API is on (``--enable-api``) and protected by that token; without
it, the API stays off. Rasa only takes the token as ``--auth-token``, and a command line is
readable by every user of the machine (``ps``, ``/proc/PID/cmdline``); the token is added to this
process's own argument list instead, which the kernel's copy never sees. It is also removed
from the environment, so nothing Rasa starts inherits it.
"""

from __future__ import annotations

import os
import sys


def rasa_arguments(argv: list[str], token: str) -> list[str]:
    """Return Rasa's arguments: ``argv``, plus the API switches when there is a token."""
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in argv):
        sys.exit("scripts/rasa_run.py: pass the token as BOT_API_TOKEN, not --auth-token.")
    return [*argv, "--enable-api", "--auth-token", token] if token else list(argv)


QUIET = "ignore::DeprecationWarning"


def quiet_deprecations() -> None:
    """Drop the DeprecationWarnings Rasa's dependencies print on start, unless asked to show them.

    scripts/run-server sets PYTHONWARNINGS=ignore::DeprecationWarning, but Sanic's import asks
    for every DeprecationWarning once (``filterwarnings("once", ...)``) and Rasa, as it starts,
    for every UserWarning once (pyparsing's deprecations are both): ignore them again after
    each. PYTHONWARNINGS=default shows them all.
    """
    if os.environ.get("PYTHONWARNINGS", QUIET) != QUIET:
        return
    import warnings

    import rasa.utils.common
    import sanic.app  # noqa: F401

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    rasa_filters = rasa.utils.common._filter_warnings

    def filters_then_quiet(*args: object, **kwargs: object) -> None:
        rasa_filters(*args, **kwargs)  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", category=DeprecationWarning)

    rasa.utils.common._filter_warnings = filters_then_quiet


def main() -> None:
    """Start Rasa's command line in this process with the token added to its arguments."""
    token = os.environ.pop("BOT_API_TOKEN", "")
    argv = sys.argv[1:]
    if argv[:2] == ["run", "actions"]:
        token = ""  # the action server has no HTTP API to protect
    sys.argv = ["rasa", *rasa_arguments(argv, token)]
    quiet_deprecations()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
