"""The bundled offline snapshot (``snapshot.db.zst``, built by ``scripts/build_snapshot.py``)."""
