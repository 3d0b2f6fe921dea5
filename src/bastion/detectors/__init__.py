"""Detectors: inventory and files in, findings out."""
