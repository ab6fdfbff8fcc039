"""A frontend cache backend that records what Wagtail asks it to purge.

The same as Wagtail's ``wagtail.contrib.frontend_cache.tests.MockBackend``, which can't be imported
here (its module imports the Azure SDKs and Wagtail's own test models). Purges still go through
Wagtail's real path: ``purge_urls_from_cache`` -> its task -> ``get_backends`` (``HOSTNAMES``
filtering) -> ``purge_batch``.
"""

from __future__ import annotations

from wagtail.contrib.frontend_cache.backends import BaseBackend

#: Every URL purged since the test cleared it.
PURGED_URLS: set[str] = set()


class MockBackend(BaseBackend):
    def purge(self, url) -> None:
        PURGED_URLS.add(url)
