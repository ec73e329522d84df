"""cs231n_utils: data, gradient checking, plotting, timing and grading helpers for the kit.

The package ships to students: it holds tools, never the answer to a graded task.
"""

__version__ = "0.1.0"
