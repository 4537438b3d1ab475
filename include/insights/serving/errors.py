"""The one error publication raises: it always names the target, the relation and what to do."""


class PublishError(RuntimeError):
    """Publication failed; readers still see the previous publication on every target."""
