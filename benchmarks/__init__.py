"""Speed benchmarks: ``python -m benchmarks [NAME ...] [--tiny]``.

Each module ``benchmarks/<name>.py`` defines ``run(tiny: bool = False)`` yielding result dicts
made with :func:`benchmarks._harness.result`. The runner prints one JSON object per case.
"""
