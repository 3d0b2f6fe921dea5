"""Reporters: table, JSON, SARIF, CycloneDX, JUnit, GitLab, Markdown, HTML, templates."""
