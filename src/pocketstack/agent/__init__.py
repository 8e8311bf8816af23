"""The compute agent: one per host; reconciles the servers placed on it from the database."""
