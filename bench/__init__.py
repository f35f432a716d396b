"""Load test of the server against a raw-Starlette baseline: ``python -m bench.run``."""
