"""Safety limits for hostile input, with sane defaults. Every reader of untrusted bytes takes one."""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True, slots=True)
class Limits:
    #: Total bytes unpacked from one target (all layers, all archives). Exceeding it stops unpacking.
    max_total_bytes: int = 32 * GiB
    #: Number of entries in one target (files, dirs, links across all layers).
    max_files: int = 2_000_000
    #: Largest single file whose content is read for parsing or content scanning; larger files are
    #: listed but not read (an ``errors`` entry says so when an extractor wanted it).
    max_file_size: int = 256 * MiB
    #: Largest file whose whole content is read for content detectors (secrets, malware, misconfig);
    #: larger files are only streamed for hashing.
    max_scan_size: int = 32 * MiB
    #: Largest file handed to a structured parser (JSON, YAML, TOML, XML lockfiles and manifests).
    max_parse_bytes: int = 64 * MiB
    #: Nesting of archives inside archives (jar in war in ear, tar.gz in zip …).
    max_archive_depth: int = 4
    #: Uncompressed:compressed ratio above which a compressed stream is treated as a bomb.
    max_compression_ratio: int = 250
    #: Compressed streams smaller than this are exempt from the ratio check (tiny files compress well).
    ratio_grace_bytes: int = 16 * MiB
    #: Directory depth of a walk.
    max_depth: int = 128
    #: Symlink hops while resolving one path inside a root.
    max_symlink_hops: int = 40
    #: Nesting depth of JSON/YAML/TOML/XML documents.
    max_nesting: int = 512
    #: Nodes of a YAML document once aliases are expanded (billion-laughs guard).
    max_yaml_nodes: int = 2_000_000
    #: Layers in one image.
    max_layers: int = 512


DEFAULT_LIMITS = Limits()
