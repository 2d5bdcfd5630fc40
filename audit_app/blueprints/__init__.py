"""Blueprints: one folder per area with __init__.py (bp), routes.py and forms.py."""
