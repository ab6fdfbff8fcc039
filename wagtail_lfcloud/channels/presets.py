"""Built-in channel presets: the data, with the source of every figure.

Every rule cites the channel's published rule (page, words, date read) in :mod:`.citations`;
a rule fails only where the channel refuses or suppresses, and warns where it recommends or
converts. Channels change their pages often: re-read them before relying on a hard limit, and
override a preset with ``WAGTAIL_LFCLOUD_CHANNELS`` rather than editing here.

Each preset is a plain dict (the same shape the setting accepts):

``label``        human name.
``spec``         Wagtail filter spec; must pin ``format-*`` and (for lossy formats) quality.
                 Keep it short: Wagtail writes it into the rendition file name (E109).
                 ``bgcolor`` is not needed: pad/trim treat alpha, JPEG output flattens on white.
``rules``        compliance rules, see ``docs/reference/channels.md`` (``compliance.RULES``).
``export_name``  file-name pattern for downloads, or None for ``EXPORT_NAME_TEMPLATE``.
``encoder``      encoder effort overrides (``encoders.EncoderOptions`` fields).
``sources``      URLs the figures come from.
"""

from __future__ import annotations

from typing import Any

MB = 1_000_000

#: Outputs the platform re-encodes: baseline optimised JPEG is 3-5x cheaper than progressive.
MARKETPLACE = {"jpeg_progressive": False}
#: Outputs served to browsers as they are: progressive JPEG renders early and is smaller.
BROWSER = {"jpeg_progressive": True}

# ``source_jpeg_quality``: the JPEG quality a master was last saved at (from its quantisation
# tables). The 8x8 blocks of a heavily compressed master survive every rendition made from it:
# the built-ins re-encode at 85-92, which keeps them rather than hides them.
#: Marketplace MAIN images: the first picture in search and on the product page, zoomable at
#: 1500-2200 px. Below 60 the blocks show at that size (fail: re-export before upload); below 85
#: they may show on flat backgrounds and smooth products (warn). Amazon (AMAZON_SOURCES) and TikTok
#: (emberfeed) name pixelation as a reason to reject an image.
MAIN_IMAGE_JPEG_QUALITY = {"fail": 60, "warn": 85}
#: Other large, zoomable outputs (1600-3000 px): blocks below 60 show when shoppers zoom in, but
#: the channel does not reject the image for it, so only warn, and only for heavy compression.
ZOOM_JPEG_QUALITY = {"warn": 60}
# No rule where the output is small or recompressed hard anyway, so master blocks are scaled
# away or drowned: social (1080 px, the platform re-encodes), Meta catalog (1080 px), Pinterest,
# email (quality 75), web thumbnails and Open Graph previews.

AMAZON_SOURCES = [
    "https://sellercentral.amazon.com/gp/help/external/G9FUUH87RBNXGKB7",
    "https://sellercentral.amazon.com.au/gp/help/external/help.html?itemID=T8RSE9S9NK4LP6Z",
    "https://help.e-tailize.com/en/amazon-product-image-requirements",
    "https://www.amalytix.com/en/glossary/amazon-image-requirements",
]
INSTAGRAM_SOURCES = [
    "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media",
]
META_SOURCES = [
    "https://developers.facebook.com/docs/commerce-platform/catalog/best-practices/",
    "https://developers.facebook.com/documentation/ads-commerce/instagram/ads-api/reference/media-requirements",
]

# The Graph API scales widths outside 320-1440 and converts other colour spaces to sRGB: warn.
_SOCIAL_JPEG = {
    "formats": ["jpeg"],
    "max_bytes": 8 * MB,
    "min_width": {"warn": 320},
    "max_width": {"warn": 1440},
    "srgb": "warn",
    "no_animation": "fail",
    "privacy": "warn",
}
#: Amazon: "Color should be RGB or CMYK (RGB is preferred ...)": nothing else is refused.
AMAZON_COLOUR = {"cmyk": "warn", "grey": "warn"}

BUILTIN_PRESETS: dict[str, dict[str, Any]] = {
    "amazon_main": {
        "label": "Amazon MAIN image",
        "spec": "max-2000x2000|srgb|trimbg|padsquare-88|stripmeta|format-jpeg|jpegquality-90",
        "export_name": "{asin}.MAIN.{ext}",
        "encoder": MARKETPLACE,
        "rules": {
            "min_longest": {"fail": 500, "warn": 1000},
            "max_longest": 10000,
            "max_bytes": {"warn": 10 * MB},
            "formats": ["jpeg", "png", "tiff", "gif"],
            "no_animation": "fail",
            "colour_mode": AMAZON_COLOUR,
            "srgb": "warn",
            "background": "strict",
            "min_fill": {"fail": 0.85, "warn": 0.87},
            "edge_touch": "fail",
            "no_border": "fail",
            "no_text": "fail",
            "sharpness": {"warn": 100},
            "privacy": "warn",
            "source_min_longest": {"fail": 500, "warn": 1000},
            "source_jpeg_quality": MAIN_IMAGE_JPEG_QUALITY,
            "upscale": "warn",
        },
        "sources": AMAZON_SOURCES,
    },
    "amazon_additional": {
        "label": "Amazon additional image (PT01-PT08)",
        "spec": "max-2000x2000|srgb|stripmeta|format-jpeg|jpegquality-90",
        "export_name": "{asin}.PT{n:02d}.{ext}",
        "encoder": MARKETPLACE,
        "rules": {
            "min_longest": {"fail": 500, "warn": 1000},
            "max_longest": 10000,
            "formats": ["jpeg", "png", "tiff", "gif"],
            "no_animation": "fail",
            "colour_mode": AMAZON_COLOUR,
            "privacy": "warn",
            "source_min_longest": {"fail": 500, "warn": 1000},
            # Zoomable too, but Amazon's strict image rules (and suppression) are for MAIN.
            "source_jpeg_quality": ZOOM_JPEG_QUALITY,
        },
        "sources": AMAZON_SOURCES,
    },
    "shopify_product": {
        "label": "Shopify product media",
        "spec": "max-2048x2048|srgb|padsquare-90|stripmeta|format-jpeg|jpegquality-85",
        "encoder": MARKETPLACE,
        "rules": {
            "max_megapixels": 20,
            "max_longest": 4472,
            "max_bytes": 20 * MB,
            "formats": ["jpeg", "png", "gif", "webp"],
            "aspect_ratio": {"ratio": 1.0, "tolerance": 0.01, "status": "warn"},
            "privacy": "warn",
            "source_min_longest": {"warn": 2048},
            "source_jpeg_quality": ZOOM_JPEG_QUALITY,
        },
        "sources": [
            "https://shopify.dev/docs/apps/build/online-store/product-media",
            "https://shopify.dev/docs/api/liquid/filters/image_url",
        ],
    },
    "ig_square": {
        "label": "Instagram feed square (1:1)",
        "spec": "fill-1080x1080|srgb|stripmeta|format-jpeg|jpegquality-90",
        "encoder": MARKETPLACE,
        "rules": {
            **_SOCIAL_JPEG,
            "aspect_ratio": {
                "ratio": 1.0,
                "tolerance": 0.01,
                "status": "warn",
                "accepted": [0.8, 1.91],
            },
            "source_min_shortest": {"warn": 1080},
            "upscale": "warn",
        },
        "sources": INSTAGRAM_SOURCES,
    },
    "ig_portrait": {
        "label": "Instagram feed portrait (4:5)",
        "spec": "fill-1080x1350|srgb|stripmeta|format-jpeg|jpegquality-90",
        "encoder": MARKETPLACE,
        "rules": {
            **_SOCIAL_JPEG,
            "aspect_ratio": {
                "ratio": 0.8,
                "tolerance": 0.01,
                "status": "warn",
                "accepted": [0.8, 1.91],
            },
            "source_min_shortest": {"warn": 1080},
            "upscale": "warn",
        },
        "sources": INSTAGRAM_SOURCES,
    },
    "ig_story": {
        "label": "Instagram Stories / Reels (9:16)",
        "spec": "fill-1080x1920|srgb|stripmeta|format-jpeg|jpegquality-90",
        "encoder": MARKETPLACE,
        "rules": {
            "formats": ["jpeg"],
            "max_bytes": 8 * MB,
            "srgb": "warn",
            "privacy": "warn",
            "aspect_ratio": {"ratio": 9 / 16, "tolerance": 0.01, "status": "warn"},
            "source_min_shortest": {"warn": 1080},
            "upscale": "warn",
        },
        "sources": INSTAGRAM_SOURCES + ["https://mediamaxnetwork.com/?p=4172"],
    },
    "pinterest_pin": {
        "label": "Pinterest standard pin (2:3)",
        "spec": "fill-1000x1500|srgb|stripmeta|format-jpeg|jpegquality-90",
        "encoder": MARKETPLACE,
        "rules": {
            "formats": ["jpeg", "png"],
            "max_bytes": {"warn": 20 * MB, "fail": 32 * MB},
            "aspect_ratio": {"ratio": 2 / 3, "tolerance": 0.01, "status": "warn"},
            "privacy": "warn",
            "upscale": "warn",
        },
        "sources": ["https://help.pinterest.com/en/business/article/pinterest-product-specs"],
    },
    "meta_catalog": {
        "label": "Meta (Facebook/Instagram) catalog image_link",
        "spec": "max-1080x1080|srgb|padsquare-88|stripmeta|format-jpeg|jpegquality-90",
        "encoder": MARKETPLACE,
        "rules": {
            "min_shortest": {"fail": 500, "warn": 1024},
            "formats": ["jpeg", "png"],
            "max_bytes": 8 * MB,
            "aspect_ratio": {"ratio": 1.0, "tolerance": 0.01, "status": "warn"},
            "background": {"level": "lenient", "status": "warn"},
            "no_text": "warn",
            "srgb": "warn",
            "privacy": "warn",
            "source_min_shortest": {"fail": 500, "warn": 1024},
        },
        "sources": META_SOURCES,
    },
    "gmc_main": {
        "label": "Google Merchant Center image_link",
        "spec": "max-1500x1500|srgb|trimbg|padsquare-85|stripmeta-keepai"
        "|format-jpeg|jpegquality-90",
        "encoder": MARKETPLACE,
        "rules": {
            # 100x100 (apparel 250x250) today; 500x500 for all products from 2027-01-31.
            "min_shortest": {"fail": 500, "warn": 1500},
            "max_megapixels": 64,
            "max_bytes": 16 * MB,
            "formats": ["jpeg", "webp", "png", "gif", "bmp", "tiff"],
            "extension_matches": "fail",
            "no_border": "fail",
            "no_text": "fail",
            "edge_touch": "fail",
            "min_fill": {"warn": 0.75},
            "max_fill": {"warn": 0.90},
            "background": {"level": "lenient", "status": "warn"},
            "privacy": "warn",
            "source_min_shortest": {"fail": 500, "warn": 1500},
            "source_jpeg_quality": ZOOM_JPEG_QUALITY,
            "upscale": "warn",
        },
        "sources": [
            "https://support.google.com/merchants/answer/6324350",
            "https://sharpfeed.io/docs/fields/image-link",
        ],
    },
    "ebay_gallery": {
        "label": "eBay listing picture",
        "spec": "max-1600x1600|srgb|padsquare-90|stripmeta|format-jpeg|jpegquality-92",
        "encoder": MARKETPLACE,
        "rules": {
            "min_longest": {"fail": 500, "warn": 1000},
            "max_bytes": {"warn": 12 * MB},
            "formats": ["jpeg", "gif", "png", "bmp", "tiff", "avif", "heic", "webp"],
            "no_animation": "fail",
            "colour_mode": {"cmyk": "fail"},
            "no_border": "fail",
            "no_text": "fail",
            "privacy": "warn",
            "source_min_longest": {"fail": 500, "warn": 1000},
            "source_jpeg_quality": ZOOM_JPEG_QUALITY,
        },
        "sources": [
            "https://www.ebay.com/help/policies/listing-policies/picture-policy?id=4370",
            "https://developer.ebay.com/support/kb-article?KBid=1489",
        ],
    },
    "etsy_listing": {
        "label": "Etsy listing photo",
        "spec": "max-3000x3000|srgb|stripmeta|format-jpeg|jpegquality-90",
        "encoder": MARKETPLACE,
        "rules": {
            "min_longest": {"warn": 635},
            "max_bytes": {"warn": 10 * MB},
            "formats": ["jpeg", "png", "gif"],
            "privacy": "warn",
            "source_min_shortest": {"warn": 2000},
            "source_jpeg_quality": ZOOM_JPEG_QUALITY,
        },
        "sources": [
            "https://www.etsy.com/de-en/legal/policy/listing-image-requirements/253962679005",
            "https://hauld.app/blog/etsy-listing-photo-checklist",
        ],
    },
    "walmart_main": {
        "label": "Walmart Marketplace main image",
        "spec": "max-2200x2200|srgb|trimbg|padsquare-88|stripmeta"
        "|format-jpeg|jpegquality-90|maxbytes-5m",
        "export_name": "{gtin}_{n}.{ext}",
        "encoder": MARKETPLACE,
        "rules": {
            "min_shortest": {"fail": 1500, "warn": 2200},
            "aspect_ratio": {"ratio": 1.0, "tolerance": 0.005, "status": "fail"},
            "max_bytes": 5 * MB,
            "formats": ["jpeg", "png", "bmp"],
            "colour_mode": {"cmyk": "fail", "grey": "fail", "16bit": "fail"},
            "background": "strict",
            "privacy": "warn",
            "source_min_shortest": {"fail": 1500, "warn": 2200},
            "source_jpeg_quality": ZOOM_JPEG_QUALITY,
            "upscale": "warn",
        },
        "sources": [
            (
                "https://marketplacelearn.walmart.com/guides/Item%20setup/Item%20content,%20imagery,"
                "%20and%20media/Product-detail-page:-Image-guidelines-&-requirements"
            ),
        ],
    },
    "zalando_packshot": {
        "label": "Zalando packshot (1:1.44)",
        "spec": "max-1801x2600|srgb|padratio-1801x2600-90|stripmeta|format-jpeg|jpegquality-92",
        "encoder": MARKETPLACE,
        "rules": {
            "formats": ["jpeg"],
            "min_width": 762,
            "min_height": 1100,
            "aspect_ratio": {"ratio": 1 / 1.44, "tolerance": 0.005, "status": "fail"},
            "max_bytes": 20 * MB,
            "background": {"level": "lenient", "status": "warn"},
            "sharpness": {"warn": 100},
            "privacy": "warn",
            "source_min_longest": {"fail": 1100, "warn": 2600},
            # The largest output (2600 px at quality 92), zoomed on the product page.
            "source_jpeg_quality": ZOOM_JPEG_QUALITY,
        },
        "sources": [
            "https://partner.zalando.com/university/article/zalando-image-guidelines",
            "https://partner.zalando.com/university/article/visual-content-and-post-production-guide",
        ],
    },
    "tiktok_main": {
        "label": "TikTok Shop main image",
        "spec": "max-1600x1600|srgb|trimbg|padsquare-85|stripmeta"
        "|format-jpeg|jpegquality-90|maxbytes-5m",
        "encoder": MARKETPLACE,
        "rules": {
            "min_shortest": {"fail": 600, "warn": 800},
            "max_longest": 6000,
            "aspect_ratio": {"ratio": 1.0, "tolerance": 0.01, "status": "warn"},
            "formats": ["jpeg", "png"],
            "max_bytes": 5 * MB,
            "no_grayscale": "fail",
            "background": {"level": "strict", "status": "warn"},
            "min_fill": {"warn": 0.80},
            "no_text": "warn",
            "privacy": "warn",
            "source_min_shortest": {"fail": 600, "warn": 1000},
            "source_jpeg_quality": MAIN_IMAGE_JPEG_QUALITY,
        },
        "sources": [
            "https://seller-vn.tiktok.com/university/essay?knowledge_id=5918681919178512&lang=en",
            "https://staging.polici.net/changes/listing-and-image-requirements/cmpnhyjzf0005nx3adodcf0fq",
            "https://emberfeed.com/specs/tiktok-shop-image-requirements-2026",
        ],
    },
    "email_hero": {
        "label": "Email hero (shown 600 px wide, 2x)",
        "spec": "fill-1200x600|srgb|stripmeta|format-jpeg|jpegquality-75|maxbytes-200k",
        "encoder": BROWSER,
        "rules": {
            "formats": ["jpeg", "png", "gif"],
            "min_width": {"warn": 1200},
            "max_bytes": {"warn": 200_000},
            "privacy": "warn",
            "upscale": "warn",
        },
        "sources": [
            "https://www.spamresource.com/2022/01/what-is-gmail-clipping-and-what-to-do.html",
            "https://github.com/WordPress/performance/issues/74",
        ],
    },
    "email_product": {
        "label": "Email product tile (shown 280 px wide, 2x)",
        "spec": "max-560x560|srgb|padsquare-90|stripmeta|format-jpeg|jpegquality-75|maxbytes-80k",
        "encoder": BROWSER,
        "rules": {
            "formats": ["jpeg", "png", "gif"],
            "max_bytes": {"warn": 80_000},
            "privacy": "warn",
        },
        "sources": ["https://www.inboxeagle.com/learn/email-templates/email-images"],
    },
    "pdp_zoom": {
        "label": "Web product page zoom (WebP)",
        "spec": "max-2048x2048|srgb|stripmeta|format-webp|webpquality-85",
        "encoder": {"webp_method": 4},
        "rules": {
            "formats": ["webp"],
            "privacy": "warn",
            "source_min_longest": {"warn": 2048},
            "source_jpeg_quality": ZOOM_JPEG_QUALITY,
        },
        "sources": ["https://github.com/odoo/documentation/pull/15669"],
    },
    "pdp_thumb": {
        "label": "Web product page thumbnail (WebP)",
        "spec": "fill-160x160|srgb|stripmeta|format-webp|webpquality-75",
        "encoder": {"webp_method": 4},
        "rules": {
            "formats": ["webp"],
            "max_bytes": {"warn": 15_000},
            "privacy": "warn",
        },
        "sources": ["https://shopify.dev/api/liquid/filters/img_url"],
    },
    "og_share": {
        "label": "Open Graph / link share",
        "spec": "fill-1200x630|srgb|stripmeta|format-jpeg|jpegquality-85",
        "encoder": BROWSER,
        "rules": {
            "min_width": 200,
            "min_height": 200,
            "max_bytes": 8 * MB,
            "formats": ["jpeg", "png"],
            "privacy": "warn",
            "upscale": "warn",
        },
        "sources": ["https://joomlashack.com/docs/shack-open-graph/facebook-image-requirements"],
    },
}
