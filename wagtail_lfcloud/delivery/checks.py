"""System checks of the webhook settings (ids ``wagtail_lfcloud.E050`` and ``W050``)."""

from __future__ import annotations

import ipaddress

from django.core.checks import Error, Tags, Warning, register

from ..conf import lfcloud_settings
from .outbound import METADATA_NETWORKS


@register(Tags.security)
def check_webhook_allow_lists(app_configs=None, **kwargs):
    """The allow-lists that let webhooks reach non-public addresses are well-formed and narrow."""
    messages = []
    networks, hosts = (
        lfcloud_settings.WEBHOOK_ALLOWED_NETWORKS,
        lfcloud_settings.WEBHOOK_ALLOWED_HOSTS,
    )
    for name, value in (("WEBHOOK_ALLOWED_NETWORKS", networks), ("WEBHOOK_ALLOWED_HOSTS", hosts)):
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            messages.append(
                Error(
                    f"WAGTAIL_LFCLOUD_{name} must be a list of strings.",
                    hint='e.g. ["127.0.0.1/32"]',
                    id="wagtail_lfcloud.E050",
                )
            )
    if messages:
        return messages
    for entry in networks:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            messages.append(
                Error(
                    f"WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS: {entry!r} is not a network.",
                    hint='Use CIDR strings such as "10.20.0.0/16" or "::1/128".',
                    id="wagtail_lfcloud.E050",
                )
            )
            continue
        if any(network.overlaps(m) for m in METADATA_NETWORKS if m.version == network.version):
            messages.append(
                Warning(
                    f"WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS: {entry} includes a cloud metadata address.",
                    hint="A brand admin could then read the server's cloud credentials through a webhook. "
                    "Allow only the receivers' own network.",
                    id="wagtail_lfcloud.W050",
                )
            )
    return messages
