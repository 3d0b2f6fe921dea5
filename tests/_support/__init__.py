"""Shared test helpers (fakes of every interface, fixture builders). Import as ``tests._support.…``."""
