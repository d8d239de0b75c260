"""One app server for tests/test_stateless.py: the app as the environment configures it, plus the
JSON overrides in TEST_APP_OVERRIDES, served on a free loopback port that it prints on stdout."""

from __future__ import annotations

import json
import os

from werkzeug.serving import WSGIRequestHandler, make_server

from workflow_app.app import create_app


class _Quiet(WSGIRequestHandler):
    def log_request(self, code="-", size="-") -> None:
        pass


def main() -> None:
    app = create_app(json.loads(os.environ.get("TEST_APP_OVERRIDES") or "{}"))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
