"""The suite's modules get pytest's assertion messages, as test modules do."""

import pytest

pytest.register_assert_rewrite(f"{__package__}.suite", f"{__package__}.driver")
