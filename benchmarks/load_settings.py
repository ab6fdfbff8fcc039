"""Settings for ``benchmarks/load.py``: the RQ worker settings of the tests (``tests/settings_rq.py``:
the package's queues on Redis, originals and renditions on S3 when ``LFCLOUD_TEST_S3`` is set),
shared by the load scenario's gunicorn, its ``rqworker`` processes and the script itself, with what
production adds: persistent database connections and the API's rate limits out of the way (the
scenario's few tokens send far more than one person would; throttling still runs)."""

from tests.settings_rq import *

DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
WAGTAIL_LFCLOUD_API_READ_RATE = "1000000/min"
WAGTAIL_LFCLOUD_API_WRITE_RATE = "1000000/min"
