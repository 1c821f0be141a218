"""The HTTP API: error handling, dependencies and one router per resource."""
