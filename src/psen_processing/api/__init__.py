"""The HTTP layer: the FastAPI app (REST API, live page, calibration, metrics, docs), its guards
and the uvicorn server thread. Talks to the service only."""
