from tests.kernel.relay.conftest import world

__all__ = ["world"]
