"""The project's exception base; specific errors subclass it beside the code that raises them."""


class NonghuiError(Exception):
    """Base of every error Nonghui raises on purpose."""
