"""Helpers for people who extend vsaug: estimator checks and shared utilities."""
