"""Use cases: glue between the models and the pure core. Services flush, never commit."""
