"""Catalogs of plausible wrong implementations of the assignments, each of which must lose points.

:mod:`.harness` grades a catalog in one trusted batch; ``<assignment>_wrong`` modules hold the
catalogs (``svm_wrong``, ...), and ``tests/test_<assignment>_catalog.py`` the tests.
"""
