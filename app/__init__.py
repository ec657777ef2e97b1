"""The mockcoach application: Qt UI, CLI, session store and the wiring between the libraries."""

__version__ = "0.1.0"
