import pytest

from bastion.detectors.vulns import title_from_details


@pytest.mark.parametrize(
    ("details", "title"),
    [
        # real PYSEC details (pypa/advisory-database), which have no summary
        (
            "In Pallets Jinja before 2.10.1, str.format_map allows a sandbox escape.",
            "In Pallets Jinja before 2.10.1, str.format_map allows a sandbox escape",
        ),
        (
            "An issue was discovered in urllib3 before 1.26.5. When provided with a URL containing many @ characters",
            "An issue was discovered in urllib3 before 1.26.5",
        ),
        (
            "The Requests package before 2.20.0 for Python sends an HTTP Authorization header to an http URI upon "
            "receiving a same-hostname https-to-http redirect, which makes it easier for remote attackers to discover "
            "credentials by sniffing the network.",
            "The Requests package before 2.20.0 for Python sends an HTTP Authorization header to an http URI…",
        ),
        ("Short\nmulti-line\n  text", "Short multi-line text"),
    ],
)
def test_title_from_details(details, title):
    assert title_from_details(details) == title
    assert len(title_from_details(details)) <= 101
