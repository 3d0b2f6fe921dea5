"""Misconfiguration detection for Dockerfiles, image configs, Kubernetes (incl. rendered Helm),
docker compose, Terraform (HCL and plan JSON) and CloudFormation (YAML and JSON)."""

from __future__ import annotations

from bastion.detectors.misconfig.base import Check, CheckMeta, Project, Resource, Violation
from bastion.detectors.misconfig.checks import builtin_checks
from bastion.detectors.misconfig.detector import MisconfigDetector

__all__ = ["Check", "CheckMeta", "MisconfigDetector", "Project", "Resource", "Violation", "builtin_checks"]
