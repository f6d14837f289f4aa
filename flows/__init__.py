"""Prefect flows and their commands. Library modules log through `logging` (the `enrich`
loggers); Prefect shows them in a flow run's logs when told so before it is imported."""

import os

os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "enrich")
