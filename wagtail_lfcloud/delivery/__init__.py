"""Delivery to the outside world: bundles, the stable URL, webhooks, and the rules they obey."""
