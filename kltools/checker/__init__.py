"""The formula checker: which KL a formula or a few lines of code compute.

This subpackage needs only the standard library, sympy and mpmath, so that it can be
imported where numpy is not available (Pyodide in a reader's browser):
``python -c "import sys, kltools.checker; assert 'numpy' not in sys.modules"``.

:func:`check_formula` reads the code with kltools' own parser (nothing is evaluated) and
returns a :class:`FormulaCheck`.  One job per module, in the order a check runs:

``_tokens``    the text checked, tokenised and split into statements
``_parse``     each statement's syntax tree whitelisted into an expression tree
``_readings``  what each name means (``names=``), the reduction, the other readings
``_problem``   the formula as read: its values at points, refuted targets
``_numbers``   numbers with error bounds, in floats and in mpmath
``_points``    the points: screen, grid, near the formula's singularities
``_proof``     the sympy proof that a reading equals c times a KL
``_verdict``   the search over readings and targets, or a counterexample
``bounds``     work bounds and the CPU deadline, shared with :mod:`kltools.symbolic`
``formulas``   :func:`check_formula` and :class:`FormulaCheck`

Examples
--------
>>> from kltools.checker import check_formula
>>> check_formula("-0.5 * sum(1 + logvar - mu**2 - exp(logvar))").verdict
'kl_qp'
"""

from .formulas import NAMES, SYMBOLS, TIME_LIMIT, VERDICTS, FormulaCheck, check_formula

__all__ = ["check_formula", "FormulaCheck", "SYMBOLS", "NAMES", "VERDICTS", "TIME_LIMIT"]
