"""bastion: one scanner for images, filesystems, repositories and SBOMs.

The library API is small: :func:`scan` runs a scan and returns a :class:`~bastion.model.ScanResult`;
:func:`load_result` re-reads a stored JSON result.
"""

__version__ = "0.1.0"
