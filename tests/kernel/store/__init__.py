import pytest

# The shared contract lives outside test_*.py modules; keep pytest's assertion messages for it.
pytest.register_assert_rewrite("tests.kernel.store.contract", "tests.kernel.store.fixtures")
