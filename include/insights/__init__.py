"""Product insights warehouse: extraction, warehouse build, quality gate and publication."""

__version__ = "0.1.0"
