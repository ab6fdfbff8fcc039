"""Models of wagtail-lfcloud, one module per part of the domain."""

from .assets import (
    Asset,
    AssetComment,
    AssetKind,
    AssetVersion,
    BrandApprovalTask,
    ComplianceTask,
    VersionClip,
    VersionStatus,
)
from .audit import BrandLogEntry
from .catalog import Brand, Catalog, Product, Season
from .channels import ChannelRendition
from .delivery import BrandAPIToken, DownloadBundle, WebhookDelivery, WebhookEndpoint
from .library import BrandCollection, BrandRole, Role, Stage
from .orders import (
    Brief,
    BriefReference,
    Invoice,
    InvoiceStatus,
    MessageRead,
    NotificationPreference,
    Order,
    OrderLine,
    OrderMessage,
    OrderStatus,
    Payment,
)
from .rights import UsageRights
from .uploads import DirectUpload
from .usage import UsageDaily, UsageKind

__all__ = [
    "DirectUpload",
    "BrandAPIToken",
    "Asset",
    "AssetComment",
    "AssetKind",
    "AssetVersion",
    "BrandApprovalTask",
    "Brand",
    "BrandCollection",
    "BrandLogEntry",
    "BrandRole",
    "Brief",
    "BriefReference",
    "Catalog",
    "ChannelRendition",
    "ComplianceTask",
    "DownloadBundle",
    "Invoice",
    "InvoiceStatus",
    "MessageRead",
    "NotificationPreference",
    "Order",
    "OrderLine",
    "OrderMessage",
    "OrderStatus",
    "Payment",
    "Product",
    "Role",
    "Season",
    "Stage",
    "VersionClip",
    "UsageDaily",
    "UsageKind",
    "UsageRights",
    "VersionStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
]
