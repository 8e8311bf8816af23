"""The scale-out suite: API processes and agents on the real PostgreSQL."""
