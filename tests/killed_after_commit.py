"""A process that performs one transition through the web form and is killed (SIGKILL, no clean-up of any
kind) the moment the transition has committed, before its e-mail leaves: for tests/test_outbox.py.

    TEST_APP_OVERRIDES='{…}' python -m tests.killed_after_commit USERNAME PASSWORD NOMINATION_ID EVENT
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys

from workflow_app.app import create_app
from workflow_app.core import faults


def main(username: str, password: str, nomination_id: str, event: str) -> None:
    app = create_app(json.loads(os.environ["TEST_APP_OVERRIDES"]))
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    page = client.get(f"/nominations/{nomination_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    with faults.armed("transition.committed", before=lambda: os.kill(os.getpid(), signal.SIGKILL)):
        client.post(f"/nominations/{nomination_id}/transition",
                    data={"event": event, "version": version, "comment": "同意"})
    sys.exit("the process was not killed: the failure point was never reached")


if __name__ == "__main__":
    main(*sys.argv[1:5])
