"""Java: jar/war/ear archives (nested too), pom.xml and Gradle lock files.

`EXTRACTORS` is this package's explicit registry tuple.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.java.archive import JavaArchiveExtractor
from bastion.inventory.java.gradle_lockfile import GradleLockfileExtractor
from bastion.inventory.java.pom_xml import PomXmlExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (JavaArchiveExtractor, PomXmlExtractor, GradleLockfileExtractor)

__all__ = ["EXTRACTORS", "GradleLockfileExtractor", "JavaArchiveExtractor", "PomXmlExtractor"]
