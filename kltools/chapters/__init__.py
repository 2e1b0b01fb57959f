"""What the chapters compute and check, one module per chapter, named after its notebook.

A chapter's hidden cells call these functions: each builds a table or figure the page shows,
or checks a claim the page states (and raises ``AssertionError`` with the failing numbers).
The notebooks import them as ``from kltools.chapters import <chapter_module>``; nothing here
imports from ``book/``.
"""
