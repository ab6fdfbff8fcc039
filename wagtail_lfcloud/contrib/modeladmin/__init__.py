"""Orders and invoices in wagtail-modeladmin, for sites that still use it.

Add ``"wagtail_modeladmin"`` and ``"wagtail_lfcloud.contrib.modeladmin"`` to ``INSTALLED_APPS``.
The package's own admin (snippet viewsets) stays the main one; these listings are read-mostly
views scoped by brand like everything else.
"""
