"""Response and request bodies of the API (what the OpenAPI schema documents)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

# --- what the API accepts: every operation uses these, so odd input is a 422, never a 500 --------

#: The largest id the database stores (PostgreSQL ``bigint``, SQLite ``integer``).
MAX_ID = 2**63 - 1
#: A database id: 1 .. 2**63-1. Larger numbers overflow the database driver; 0 and below never exist.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: A page size or offset: in the database's range (the page rules themselves answer 400 with a reason).
PageNumber = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]
#: Text in a filter or a path: no NUL character (PostgreSQL refuses it) and at most 200 characters.
Text = Annotated[str, Field(max_length=200, pattern=r"^[^\x00]*$")]


class ProductOut(Schema):
    id: int
    brand: str = Field(description="Brand slug.")
    sku: str
    name: str
    style: str
    colour: str
    catalog: str | None = Field(description="Catalog slug.")
    season: str | None = Field(description="Season code.")
    asin: str
    gtin: str
    updated_at: dt.datetime


class VersionOut(Schema):
    id: int
    number: int
    status: str = Field(
        description="in_review, changes_requested, current, superseded or rejected."
    )
    period: str
    width: int | None
    height: int | None
    uploaded_at: dt.datetime
    status_changed_at: dt.datetime
    renditions_url: str = Field(description="Where this version's channel renditions are listed.")


class RightsOut(Schema):
    status: str = Field(
        description="ok, unrestricted (no rights recorded), not_started, expired, "
        "channel_not_allowed or territory_not_allowed."
    )
    deliverable: bool = Field(description="Whether the file may be delivered now.")
    reason: str
    starts_at: dt.datetime | None
    expires_at: dt.datetime | None
    channels: list[str] = Field(description="Allowed channels; empty means every channel.")
    territories: list[str] = Field(description="ISO country codes; empty means worldwide.")


class AssetOut(Schema):
    id: int
    brand: str
    product_id: int
    sku: str
    angle: str
    channels: list[str]
    updated_at: dt.datetime
    current_version: VersionOut | None = Field(
        description="The approved version, or null while none is."
    )
    versions: list[VersionOut] | None = Field(
        description="Every version, newest first; only for tokens whose role may see drafts (view_drafts), else null."
    )
    rights: RightsOut | None = Field(
        None,
        description="The usage rights of the approved version now (any channel); null while none is approved.",
    )


class ComplianceOut(Schema):
    status: str = Field(description="pass, warn, fail, or empty while not checked.")
    failures: int
    warnings: int
    checks: list[dict[str, Any]]


class RenditionOut(Schema):
    channel: str
    label: str
    status: str = Field(description="pending, ready or failed.")
    url: str | None = Field(description="The rendition file's URL; null until it is ready.")
    poster_url: str | None = Field(
        None, description="A video channel's poster frame (JPEG at the clip's size); else null."
    )
    public_url: str | None = Field(
        None,
        description=(
            "The public signed URL of SKU x angle x channel (no token needed, CDN-cacheable, always "
            "the current approved file; see the how-to *Deliver through a CDN*). Only for the current "
            "approved version, within its usage rights, and for tokens with share_public_links "
            "(the read scope); else null."
        ),
    )
    public_poster_url: str | None = Field(
        None,
        description=(
            "A video channel's poster frame at its public signed URL (public_url + /poster.jpg), "
            "on the same terms as public_url; else null."
        ),
    )
    width: int | None
    height: int | None
    bytes: int | None
    format: str
    file_name: str = Field(
        description="Download name (naming convention or the channel's export pattern)."
    )
    compliance: ComplianceOut
    updated_at: dt.datetime
    rights: RightsOut | None = Field(
        None,
        description="The usage rights for this channel now; when not deliverable, url is null.",
    )


class VersionRenditionsOut(Schema):
    asset_id: int
    version: VersionOut
    renditions: list[RenditionOut]


class OrderOut(Schema):
    id: int
    number: str
    brand: str
    title: str
    status: str
    due_date: dt.date | None
    currency: str
    total: str = Field(
        description="Sum of unit price x quantity over the lines, as a decimal string."
    )
    line_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


class InvoiceOut(Schema):
    id: int
    number: str
    brand: str
    order_id: int
    order_number: str
    status: str
    currency: str
    net_amount: str
    tax_rate: str
    tax_amount: str
    total: str
    paid_amount: str
    issued_on: dt.date | None
    due_on: dt.date | None
    paid_on: dt.date | None
    created_at: dt.datetime


class BundleIn(Schema):
    channel: Text = Field(description="Channel preset key, e.g. amazon_main.")
    order: Id | None = Field(None, description="Bundle every current file of this order...")
    assets: list[Id] | None = Field(
        None, max_length=10000, description="...or of these assets (ids)."
    )


class BundleOut(Schema):
    id: int
    status: str = Field(description="pending, ready or failed.")
    channel: str
    order: int | None
    file_count: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    download_url: str | None = Field(description="Where to fetch the zip once ready.")
    error: str


class StableRenditionPending(Schema):
    status: str = Field(description="Always 'pending'.")
    detail: str
    retry_after: int


class ResponsiveSize(Schema):
    width: int = Field(description="The file's width in pixels (never more than the master's).")
    height: int
    url: str = Field(description="The file; public for approved versions, usable in <img srcset>.")


class ResponsiveSet(Schema):
    """Every offered size of the current approved image in one format, ready for ``srcset``."""

    brand: str
    sku: str
    angle: str
    version: int = Field(description="Number of the current approved version.")
    format: str = Field(description="avif, webp or jpeg.")
    type: str = Field(description="Media type, for <source type=...>.")
    sizes: list[ResponsiveSize] = Field(description="Ascending by width.")
    srcset: str = Field(description="The sizes as an <img srcset> value: 'URL 320w, URL 480w'.")
    src: str = Field(description="URL of the largest size, for <img src>.")


# --- writes -------------------------------------------------------------------------------------

#: Most products one upsert request may carry.
MAX_BATCH = 1000


class ProductIn(Schema):
    """One product to create or update, found by SKU (case-insensitive) within the brand.

    Fields left out (or null) keep their stored value; ``name`` is required for a new product.
    ``catalog`` is a catalog's slug, ``season`` a season's code; both must exist (empty string: none).
    """

    sku: Text
    name: Text | None = None
    style: Text | None = None
    colour: Text | None = None
    catalog: Text | None = Field(None, description="Catalog slug; empty string to clear.")
    season: Text | None = Field(None, description="Season code; empty string to clear.")
    asin: Text | None = None
    gtin: Text | None = None


class ProductBatchIn(Schema):
    brand: Text | None = Field(
        None, description="Brand slug; may be left out when the token writes to one brand only."
    )
    products: list[ProductIn] = Field(min_length=1, max_length=MAX_BATCH)


class ProductRowOut(Schema):
    #: Position of the row in the request's ``products`` (0-based).
    index: int
    sku: str
    status: str = Field(description="created, updated, unchanged or error.")
    id: int | None = Field(description="The product's id (null for a row in error).")
    errors: dict[str, list[str]] | None = Field(description="Field -> messages (rows in error).")


class ProductBatchOut(Schema):
    created: int
    updated: int
    unchanged: int
    failed: int
    results: list[ProductRowOut]


#: Longer text (a brief, notes, a comment): no NUL character.
LongText = Annotated[str, Field(max_length=20000, pattern=r"^[^\x00]*$")]


class OrderLineIn(Schema):
    sku: Text = Field(description="A product of the order's brand.")
    angles: list[Text] = Field(min_length=1, max_length=50, description="Angle names to shoot.")
    channels: list[Text] = Field(
        default_factory=list, max_length=50, description="Channel keys to deliver."
    )
    unit_price: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    quantity: int = Field(1, ge=1, le=1_000_000)


class BriefIn(Schema):
    instructions: LongText = Field("", description="Plain text; shown in the brief.")
    guidelines: LongText = ""
    shoot_date: dt.date | None = None
    first_drafts_due: dt.date | None = None
    finals_due: dt.date | None = None


class OrderIn(Schema):
    brand: Text | None = Field(
        None, description="Brand slug; may be left out when the token writes to one brand only."
    )
    title: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\x00]*$")]
    due_date: dt.date | None = None
    currency: Text | None = Field(None, description="ISO 4217 code; default: the site's.")
    notes: LongText = ""
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    brief: BriefIn | None = None
    submit: bool = Field(False, description="Also submit the order (creates its deliverables).")


class UploadOut(Schema):
    version_id: int
    asset_id: int
    number: int
    status: str = Field(description="in_review, or changes_requested when compliance failed.")
    file_name: str = Field(description="The name the file was stored under (the convention).")
    message: str


class CommentIn(Schema):
    text: Annotated[str, Field(min_length=1, max_length=5000, pattern=r"^[^\x00]*$")]
    parent: Id | None = Field(None, description="The comment this one answers.")
    x: float | None = Field(None, ge=0, le=1, description="Pinned region (fractions of the image).")
    y: float | None = Field(None, ge=0, le=1)
    w: float | None = Field(None, ge=0, le=1)
    h: float | None = Field(None, ge=0, le=1)
    time: float | None = Field(
        None, ge=0, description="Seconds into the clip (comments on a video version only)."
    )


class CommentOut(Schema):
    id: int
    version_id: int
    parent: int | None
    text: str
    time: float | None = None
    created_at: dt.datetime


class DecisionIn(Schema):
    comment: LongText = Field("", description="Shown to the studio (required to request changes).")


class DecisionOut(Schema):
    version_id: int
    asset_id: int
    status: str = Field(description="The version's status after the decision.")
