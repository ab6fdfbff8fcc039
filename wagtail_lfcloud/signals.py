"""Signals integrations can hook. Every signal is sent after the database transaction commits.

``asset_approved(sender=Asset, asset, version, previous, user)``
    A version became current; ``previous`` is the version it superseded, or None.
``version_uploaded(sender=AssetVersion, version, user)``
    A new version was uploaded and submitted for review.
``changes_requested(sender=AssetVersion, version, user, comment)``
    A reviewer (or the compliance check) sent a version back.
``rendition_ready(sender=ChannelRendition, channel_rendition)``
    A channel rendition was generated (or regenerated) for a current version.
``order_status_changed(sender=Order, order, old_status, new_status, user)``
    An order moved through its status machine.
"""

from django.dispatch import Signal

asset_approved = Signal()
version_uploaded = Signal()
changes_requested = Signal()
rendition_ready = Signal()
order_status_changed = Signal()
