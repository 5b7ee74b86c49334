"""study: compare activation functions in a from-scratch NumPy MLP trained on MNIST."""

__version__ = "0.1.0"
