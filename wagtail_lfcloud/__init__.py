"""wagtail-lfcloud: product photography production inside Wagtail."""

__version__ = "0.1.0.dev0"
