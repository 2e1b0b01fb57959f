"""The formula checker: which KL a line of code computes.

This subpackage needs only the standard library, sympy and mpmath, so that it can be
imported where numpy is not available (Pyodide in a reader's browser):
``python -c "import sys, kltools.checker; assert 'numpy' not in sys.modules"``.

:func:`check_formula` reads a line of code with kltools' own parser (nothing is evaluated)
and returns a :class:`FormulaCheck`.

Examples
--------
>>> from kltools.checker import check_formula
>>> check_formula("-0.5 * sum(1 + logvar - mu**2 - exp(logvar))").verdict
'kl_qp'
"""

from .formulas import NAMES, SYMBOLS, TIME_LIMIT, VERDICTS, FormulaCheck, check_formula

__all__ = ["check_formula", "FormulaCheck", "SYMBOLS", "NAMES", "VERDICTS", "TIME_LIMIT"]
