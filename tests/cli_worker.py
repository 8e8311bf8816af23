"""One long-lived process that runs `openstack` commands for the tests (tests/cli.py).

Each request is a JSON line on stdin: the command's argv, environment and working directory;
the worker runs openstackclient's own `main` with that environment, its stdout and stderr
captured and an empty stdin, and answers one JSON line on stdout: the exit code and both
outputs. The command is exactly the CLI's (the same entry point the `openstack` script calls),
without starting an interpreter and importing the client libraries each time (about 1.4 s of a
command's 1.5 s here). Stray writes to the process's own file descriptors go to /dev/null, so
they never mix with the answers.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import traceback


def main() -> None:
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    from openstackclient import shell
    from openstackclient.common import clientmanager as osc_clientmanager
    from osc_lib import clientmanager

    root = logging.getLogger()
    for line in requests:
        request = json.loads(line)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        out, err = io.StringIO(), io.StringIO()
        handlers, level = list(root.handlers), root.level
        sys.stdin = io.StringIO("")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = shell.main(request["argv"][1:])
                except SystemExit as exit_:
                    code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
                except BaseException:  # noqa: BLE001 - reported as the command's failure
                    traceback.print_exc()
                    code = 1
        finally:
            # cliff adds a console handler per run: keep only those from before.
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
            root.setLevel(level)
            # Each service's client is cached on the ClientManager class (osc_lib ClientCache),
            # which outlives the command here: the next command makes its own, as a new
            # process would.
            for manager in (clientmanager.ClientManager, osc_clientmanager.ClientManager):
                for attribute in vars(manager).values():
                    if isinstance(attribute, clientmanager.ClientCache):
                        attribute._handle = None
        replies.write(json.dumps({"code": int(code or 0), "stdout": out.getvalue(),
                                  "stderr": err.getvalue()}) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
