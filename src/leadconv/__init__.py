"""Lead conversion research package: data, features, samplers, models, validation, tracking."""

__version__ = "0.1.0"
