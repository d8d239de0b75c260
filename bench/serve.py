"""What bench/throughput.py serves with gunicorn: the app as configured by the environment
(DATABASE_URL, SECRET_KEY), with the bare-Flask floor (bench/floor.py) mounted at ``/bare`` on the same
server and database, so both are measured under the same workers.

    DATABASE_URL=... SECRET_KEY=... gunicorn -w 2 -b 127.0.0.1:8000 bench.serve:app
"""

from __future__ import annotations

import os

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bench.floor import create_floor_app
from workflow_app.app import create_app

application = create_app()
app = DispatcherMiddleware(application, {"/bare": create_floor_app(os.environ["DATABASE_URL"])})
