"""The one exception type the warehouse layer raises for problems a person must fix.

Its message is a complete sentence naming the problem and the fix; the `wdp`
command prints it without a traceback.
"""


class WarehouseError(RuntimeError):
    """A problem with the warehouse server or its setup that a person can act on."""
