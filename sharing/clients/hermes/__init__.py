"""The two ways to Hermes: its web API (``api``, with an API key) and straight to HOPSKOTCH topics (``kafka``)."""
