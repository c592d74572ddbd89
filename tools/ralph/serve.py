"""Runs Ralph's LRS API with its file-system backend, appending statements to its file.

Run with the Python of Ralph's own virtual environment: ``python serve.py <host> <port>``, with
RALPH_* variables (RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH, RALPH_AUTH_FILE) set.
Ralph's file backend writes with the CREATE mode unless told otherwise, which refuses every
statement after the first (the file exists); `ralph runserver` gives no way to say otherwise, so
this starts the same app after making APPEND the backend's default write mode.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]), log_level="info")
