"""Shared by the tests and the benchmarks, never by the product: what they both need to run.

``harness.scenes`` renders screenshots of sync errors in Chromium for the screenshot tests and
``bench/screenshots.py``. Not part of the installed package (pyproject includes ``bot*`` only).
"""
