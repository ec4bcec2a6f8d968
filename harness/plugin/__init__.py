"""The QEMU TCG plugin that measures a marked region's footprint (footprint.c),
and its Python side (footprint.py)."""
