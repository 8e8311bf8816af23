"""Domain logic: one module per resource. Services own transactions; handlers never commit."""
