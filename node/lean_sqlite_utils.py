"""sqlite-utils, imported without pandas and numpy.

sqlite-utils imports pandas and numpy whenever they are installed, only to map their types when rows are
inserted, which the store never does: a quarter of a second of every node start, and so of every restart's
recovery. They are hidden while sqlite-utils is imported (unless something imported them already); anything
importing them later gets them as usual.
"""

from __future__ import annotations

import sys

_HIDDEN = [name for name in ("pandas", "numpy") if name not in sys.modules]
for _name in _HIDDEN:
    sys.modules[_name] = None  # type: ignore[assignment]  # what `import` reads as "not installed"
try:
    import sqlite_utils
finally:
    for _name in _HIDDEN:
        del sys.modules[_name]

__all__ = ["sqlite_utils"]
