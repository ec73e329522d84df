"""Catalogs of plausible wrong implementations of the assignments, each of which must lose points.

:mod:`.harness` grades a catalog in one batch; ``svm_wrong`` lists the SVM assignment's.
"""
