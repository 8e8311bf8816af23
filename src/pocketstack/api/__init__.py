"""The HTTP layer: routing, request context, fault rendering, and one package per service."""
