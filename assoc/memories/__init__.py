"""The memory families (each class is registered in :mod:`assoc.registry` and reachable as
``assoc.<ClassName>``, imported on first use). This package imports nothing on its own."""
