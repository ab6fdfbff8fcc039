"""Optional integrations with other Wagtail packages."""
