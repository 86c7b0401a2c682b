"""Side-by-side performance runs of assoc against peers and the machine's roofline.

Run everything with ``python -m benchmarks`` (``--quick`` for a reduced run); the report is
written to ``benchmarks/REPORT.md``.
"""
