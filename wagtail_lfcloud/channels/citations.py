"""The published rule behind every check of every built-in preset: page, words, date read.

A check *fails* only where the channel refuses the file or suppresses the listing, and *warns*
where the channel recommends, converts (colour space, size) or where the rule is ours (a house
rule: privacy, master quality, our own output size). ``verdict`` says which, and why.

``kind`` says how the words were read:

``official``         the channel's own page, read from a stored copy on ``read``;
``official-quoted``  the channel's own words, read through a faithful copy (mirror, quotation);
``secondary``        a third party summarising the channel: never the only ground for a
                     hard limit unless the channel publishes nothing else (said in ``verdict``);
``house``            this package's rule, with its reason (no channel states it).

Channels change their pages often: re-read them before relying on a limit (``read`` dates the
words), and override a preset with ``WAGTAIL_LFCLOUD_CHANNELS`` rather than editing here.
``tests/channels/test_citations.py`` keeps this table, the presets and
``docs/reference/channels.md`` in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..conf import docs_url

READ = "2026-12-05"


@dataclass(frozen=True)
class Source:
    url: str
    title: str
    kind: str  #: official, official-quoted, secondary, house
    read: str = READ  #: date the words were read (ISO)


@dataclass(frozen=True)
class Citation:
    source: Source
    words: str  #: the rule's words, verbatim (translations and notes in brackets;
    #: "[paraphrase]" where only a summary of the page was at hand)
    verdict: str  #: why a violation fails or warns

    @property
    def url(self) -> str:
        return self.source.url


# --- sources ---------------------------------------------------------------------------------

AMAZON_TECH = Source(
    "https://sellercentral.amazon.com/gp/help/external/G9FUUH87RBNXGKB7",
    "Amazon Seller Central (US): Technical image file requirements",
    "official",
)
AMAZON_ES = Source(
    "https://sellercentral.amazon.es/gp/help/external/help.html?itemID=75PWC4THA8J269P",
    "Amazon Seller Central (ES): main image background",
    "official",
)
AMAZON_AU = Source(
    "https://sellercentral.amazon.com.au/gp/help/external/help.html?itemID=T8RSE9S9NK4LP6Z",
    "Amazon Seller Central (AU): suppressed main images",
    "official",
    read="2026-12-05 (via channel-specs.md §2.1, not re-read)",
)
AMAZON_STYLE = Source(
    "https://help.e-tailize.com/en/amazon-product-image-requirements",
    "Amazon product image requirements (G1881), restated",
    "official-quoted",
    read="2026-12-05 (via channel-specs.md §2.1, not re-read)",
)
AMAZON_FILL = Source(
    "https://hx33.com/news-id-4208.html",
    "Amazon main image policy, Chinese copy",
    "official-quoted",
)
AMAZON_TEXT = Source(
    "https://ssopdot.com/blog/12576.html",
    "Amazon main image policy, quoted and explained",
    "official-quoted",
)
AMAZON_SIZE = Source(
    "https://changethisfile.com/blog/convert-images-for-amazon-seller-central",
    "Convert images for Amazon Seller Central",
    "secondary",
)
SHOPIFY_MEDIA = Source(
    "https://shopify.dev/docs/apps/build/online-store/product-media",
    "Shopify dev: Manage media for products",
    "official",
    read="2026-12-05 (via channel-specs.md §2.2, not re-read)",
)
SHOPIFY_BYTES = Source(
    "https://www.getpixly.app/blog/shopify-image-size-guidelines",
    "Shopify image size guidelines",
    "secondary",
    read="2026-12-05 (via channel-specs.md §2.2, not re-read)",
)
IG_API = Source(
    "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media",
    "Instagram Graph API: IG User Media, image specifications",
    "official-quoted",
    read="2026-12-05 (via channel-specs.md §2.3, not re-read)",
)
IG_API_COPY = Source(
    "https://support.sendible.com/hc/en-us/articles/360001126446-Image-and-Video-Posting-Restrictions-",
    "Instagram API image restrictions, quoted by Sendible",
    "official-quoted",
)
PINTEREST = Source(
    "https://help.pinterest.com/en/business/article/pinterest-product-specs",
    "Pinterest product specs",
    "official",
    read="2026-12-05 (via channel-specs.md §2.4, not re-read)",
)
META_SHOPS = Source(
    "https://brandee.edu.vn/glossary/481150918755515-facebook-en",
    "Facebook: Guidelines for listing products in your shop (copy of help 481150918755515)",
    "official-quoted",
)
META_CATALOG = Source(
    "https://developers.facebook.com/docs/commerce-platform/catalog/best-practices/",
    "Meta commerce catalog best practices",
    "official",
)
META_LIMITS = Source(
    "https://tell-e-graph.com/facebook-shops-guidelines/",
    "Facebook Shops guidelines, summarised",
    "secondary",
)
META_MIN = Source(
    "https://resources.businessonbot.com/frequently-asked-questions-faqs/why-are-there-a-lot-of-errors-in-my-catalog",
    "Why are there errors in my catalog (Meta commerce policy errors, summarised)",
    "secondary",
)
GMC = Source(
    "https://support.google.com/merchants/answer/6324350",
    "Google Merchant Center: Image link [image_link]",
    "official",
)
GMC_JA = Source(
    "https://support.google.com/merchants/answer/6324350?authuser=517&hl=ja",
    "Google Merchant Center: Image link [image_link] (Japanese, the 2027 text)",
    "official",
)
GMC_CONTENT = Source(
    "https://help.mergado.com/en/mergado-editor/advertising-channels-and-listings/google/google-element-reference/element-g-image-link/",
    "Google image_link requirements, restated by Mergado",
    "official-quoted",
)
GMC_SUMMARY = Source(
    "https://sharpfeed.io/docs/fields/image-link",
    "image_link field guide (summary of support.google.com/merchants/answer/6324350)",
    "secondary",
)
EBAY_POLICY = Source(
    "https://www.ebay.com/help/policies/listing-policies/picture-policy?id=4370",
    "eBay picture policy",
    "official",
)
EBAY_MEDIA = Source(
    "https://developer.ebay.com/api-docs/commerce/media/resources/image/methods/createImageFromFile",
    "eBay Media API: createImageFromFile",
    "official",
    read="2026-12-05 (via channel-specs.md §2.7, not re-read)",
)
EBAY_KB = Source(
    "https://developer.ebay.com/support/kb-article?KBid=1489",
    "eBay developer knowledge base: picture warnings",
    "official",
    read="2026-12-05 (via channel-specs.md §2.7, not re-read)",
)
EBAY_GUIDE = Source(
    "https://developer.ebay.com/devzone/guides/features-guide/content/Development/pictures-intro.html",
    "eBay features guide: pictures",
    "official",
    read="2026-12-05 (via channel-specs.md §2.7, not re-read)",
)
EBAY_BYTES = Source(
    "https://www.usepixora.com/resource/ebay-photo-requirements-guide",
    "eBay photo requirements guide",
    "secondary",
    read="2026-12-05 (via channel-specs.md §2.7, not re-read)",
)
ETSY = Source(
    "https://hauld.app/blog/etsy-listing-photo-checklist",
    "Etsy listing photo checklist",
    "secondary",
    read="2026-12-05 (via channel-specs.md §2.8, not re-read)",
)
WALMART = Source(
    "https://marketplacelearn.walmart.com/guides/Item%20setup/Item%20content,%20imagery,%20and%20media/Product-detail-page:-Image-guidelines-&-requirements",
    "Walmart Marketplace: Product detail page: Image guidelines & requirements (Jul 15, 2025)",
    "official",
)
ZALANDO = Source(
    "https://partner.zalando.com/university/article/zalando-image-guidelines",
    "Zalando image guidelines (Mar 3, 2025)",
    "official",
    read="2026-12-05 (via channel-specs.md §2.10, not re-read)",
)
TIKTOK = Source(
    "https://staging.polici.net/changes/listing-and-image-requirements/cmpnhyjzf0005nx3adodcf0fq",
    "TikTok Shop US listing and image requirements, tracked",
    "secondary",
    read="2026-12-05 (via channel-specs.md §2.11, not re-read)",
)
TIKTOK_SPECS = Source(
    "https://emberfeed.com/specs/tiktok-shop-image-requirements-2026",
    "TikTok Shop image requirements 2026",
    "secondary",
    read="2026-12-05 (via channel-specs.md §2.11, not re-read)",
)
EMAIL_CLIP = Source(
    "https://www.spamresource.com/2022/01/what-is-gmail-clipping-and-what-to-do.html",
    "What is Gmail clipping",
    "secondary",
    read="2026-12-05 (via channel-specs.md §2.12, not re-read)",
)
EMAIL_FORMATS = Source(
    "https://github.com/WordPress/performance/issues/74",
    "WebP in email clients (Can I Email, via WordPress performance)",
    "secondary",
    read="2026-12-05 (via channel-specs.md §2.12, not re-read)",
)
EMAIL_WEIGHT = Source(
    "https://www.inboxeagle.com/learn/email-templates/email-images",
    "Email images: sizes and weights",
    "secondary",
    read="2026-12-05 (via channel-specs.md §2.12, not re-read)",
)
OG = Source(
    "https://joomlashack.com/docs/shack-open-graph/facebook-image-requirements",
    "Facebook (Open Graph) image requirements",
    "secondary",
)
HOUSE = Source(
    docs_url("reference/channels.md#house-rules"),
    "wagtail-lfcloud house rules",
    "house",
)


def _c(source: Source, words: str, verdict: str) -> Citation:
    return Citation(source, words, verdict)


# --- shared rule texts -----------------------------------------------------------------------

PRIVACY = _c(
    HOUSE,
    "Channel files are public: GPS positions and camera serial numbers in them say where a "
    "shoot happened and which camera took it.",
    "warn: no channel refuses metadata; stripmeta removes it from every rendition",
)
UPSCALE = _c(
    AMAZON_TECH,
    "Resizing small images to be larger reduces the quality of the image.",
    "warn: Wagtail never upscales, so the output is smaller than the preset asks",
)
ZOOM_QUALITY = _c(
    HOUSE,
    "Compression blocks of a master saved below JPEG quality 60 survive every rendition and "
    "show when shoppers zoom in.",
    "warn: a quality concern, not a channel's refusal",
)
AMAZON_COLOUR = _c(
    AMAZON_TECH,
    "Color should be RGB or CMYK (RGB is preferred because CMYK color sometimes shows "
    "color-tonal variations when displayed on our website).",
    "warn on CMYK and greyscale (accepted or not named, RGB preferred); palette and 16-bit "
    "files are PNG/GIF, which Amazon accepts with no bit-depth rule",
)
AMAZON_FORMATS = _c(
    AMAZON_TECH,
    "File format should be JPEG (.jpg or .jpeg), TIFF (.tif), PNG (.png), or non-animated GIF "
    "(.gif) file formats (JPEG recommended).",
    "fail: other formats are not accepted",
)
AMAZON_ANIMATION = _c(
    AMAZON_TECH,
    "... or non-animated GIF (.gif) file formats",
    "fail: animated files are not accepted",
)
AMAZON_MAX = _c(
    AMAZON_TECH,
    "Files cannot exceed 10,000 pixels on the longest side.",
    "fail: refused",
)
AMAZON_MIN = _c(
    AMAZON_TECH,
    "Images should be 1,000 pixels or larger on the longest side. This minimum size requirement "
    "enables the zoom function on the website. [500 px is the smallest shown on the site: "
    "help.e-tailize.com restating G1881]",
    "fail below 500 (not shown); warn below 1,000 (no zoom)",
)
AMAZON_BYTES = _c(
    AMAZON_SIZE,
    "Max size: 10,000 x 10,000 px. Files up to 10MB accepted.",
    "warn: only a secondary source states a byte limit",
)
AMAZON_SRGB = _c(
    AMAZON_TECH,
    "RGB is preferred because CMYK color sometimes shows color-tonal variations when displayed "
    "on our website.",
    "warn: a preference; the srgb operation converts every rendition",
)
AMAZON_JPEG = _c(
    AMAZON_TECH,
    "Images must be clear, unpixellated, and have no jagged edges. ... For JPEG images, save at "
    "the highest possible quality level.",
    "fail below 60 (blocks visible: pixelation suppresses a MAIN image, AMAZON_AU); warn below 85",
)

IG_FORMAT = _c(
    IG_API_COPY,
    "Formats: JPEG [content publishing guide: JPEG is the only image format supported].",
    "fail: the API refuses other formats",
)
IG_BYTES = _c(IG_API_COPY, "Maximum image size 8 MB", "fail: refused")
IG_MIN_WIDTH = _c(
    IG_API_COPY,
    "Minimum width: 320 pixels (will be scaled up to the minimum if necessary)",
    "warn: converted, not refused",
)
IG_MAX_WIDTH = _c(
    IG_API_COPY,
    "Maximum width: 1440 pixels (will be scaled down to the maximum if necessary)",
    "warn: converted, not refused",
)
IG_SRGB = _c(
    IG_API,
    "Color Space: sRGB. Images using other color spaces will have their color spaces converted "
    "to sRGB.",
    "warn: converted, not refused; the srgb operation converts every rendition",
)
IG_ANIMATION = _c(
    IG_API,
    "Extended JPEG formats such as MPO and JPS are not supported.",
    "fail: multi-frame files are refused",
)
IG_RATIO = _c(
    IG_API_COPY,
    "Aspect ratio: Must be within a 4:5 (portrait) and 1.91:1 (landscape) range",
    "fail outside 4:5-1.91:1 (refused); warn when accepted but not the preset's own ratio",
)
IG_STORY_RATIO = _c(
    IG_API_COPY,
    "Aspect ratio: Must be within a 4:5 (portrait) and 1.91:1 (landscape) range [feed posts; "
    "stories are shown 9:16 and letterboxed otherwise]",
    "warn: no published refusal for stories",
)
IG_SOURCE = _c(
    HOUSE,
    "Instagram shows feed images 1080 px wide; a smaller master gives a softer post.",
    "warn: our recommendation",
)


def _ig(ratio: Citation) -> dict[str, Citation]:
    return {
        "formats": IG_FORMAT,
        "max_bytes": IG_BYTES,
        "min_width": IG_MIN_WIDTH,
        "max_width": IG_MAX_WIDTH,
        "srgb": IG_SRGB,
        "no_animation": IG_ANIMATION,
        "privacy": PRIVACY,
        "aspect_ratio": ratio,
        "source_min_shortest": IG_SOURCE,
        "upscale": UPSCALE,
    }


GMC_MIN = _c(
    GMC_JA,
    "2027 年 1 月 31 日より、すべての商品に 500 x 500 ピクセル以上の新しい画像サイズ要件が適用されます。"
    "... 1,500 x 1,500 ピクセル以上の画像を提供することをおすすめします。 [From January 31, 2027 "
    "all products need images of at least 500 x 500 pixels; 1,500 x 1,500 or more recommended.]",
    "fail below 500 (an image rendered today is still listed after 2027-01-31; until then "
    "Google's floor is 100 x 100, 250 x 250 for apparel); warn below 1,500",
)

RULE_CITATIONS: dict[str, dict[str, Citation]] = {
    "amazon_main": {
        "min_longest": AMAZON_MIN,
        "max_longest": AMAZON_MAX,
        "max_bytes": AMAZON_BYTES,
        "formats": AMAZON_FORMATS,
        "no_animation": AMAZON_ANIMATION,
        "colour_mode": AMAZON_COLOUR,
        "srgb": AMAZON_SRGB,
        "background": _c(
            AMAZON_ES,
            "Las imágenes principales tienen que aparecer sobre un fondo blanco puro ... no se "
            "permiten ... fondos de color blanco crudo o gris [Main images must appear on a pure "
            "white background ... off-white or grey backgrounds are not allowed]; the AU page "
            "lists a non-pure-white background (RGB 255 255 255) as a suppression reason",
            "fail: the listing is suppressed",
        ),
        "min_fill": _c(
            AMAZON_FILL,
            "最长边放大到最大允许尺寸时,商品占画面不到85% [the product fills less than 85% of the "
            "frame when the longest side is enlarged to the maximum allowed size], listed among "
            "the images not allowed",
            "fail below 85 % (product too small: suppressed); warn below 87 % (re-encoding headroom)",
        ),
        "edge_touch": _c(
            AMAZON_AU,
            "[paraphrase] Suppression reasons for MAIN images: ... cropped product ...",
            "fail: the listing is suppressed",
        ),
        "no_border": _c(
            AMAZON_STYLE,
            "[paraphrase] MAIN: ... no text, logos, borders, colour blocks, watermarks or graphics",
            "fail: the listing is suppressed",
        ),
        "no_text": _c(
            AMAZON_TEXT,
            "The main image ... must not show ... text or logos that are not part of the product, "
            "watermarks, or embedded images.",
            "fail: text/logo/graphics/watermarks suppress the listing (AMAZON_AU); text printed on "
            "the product is allowed",
        ),
        "sharpness": _c(
            AMAZON_TECH,
            "Images must be clear, unpixellated, and have no jagged edges.",
            "warn: blur suppresses a MAIN image, but the blur measure is a heuristic",
        ),
        "privacy": PRIVACY,
        "source_min_longest": AMAZON_MIN,
        "source_jpeg_quality": AMAZON_JPEG,
        "upscale": UPSCALE,
    },
    "amazon_additional": {
        "min_longest": AMAZON_MIN,
        "max_longest": AMAZON_MAX,
        "formats": AMAZON_FORMATS,
        "no_animation": AMAZON_ANIMATION,
        "colour_mode": AMAZON_COLOUR,
        "privacy": PRIVACY,
        "source_min_longest": AMAZON_MIN,
        "source_jpeg_quality": ZOOM_QUALITY,
    },
    "shopify_product": {
        "max_megapixels": _c(
            SHOPIFY_MEDIA,
            "The maximum image size is 4472 x 4472 px, or 20 megapixels.",
            "fail: refused",
        ),
        "max_longest": _c(
            SHOPIFY_MEDIA,
            "The maximum image size is 4472 x 4472 px, or 20 megapixels.",
            "fail: refused",
        ),
        "max_bytes": _c(
            SHOPIFY_BYTES,
            "[paraphrase] Shopify accepts images up to 20 MB.",
            "fail: refused (Shopify's media page gives no byte figure; secondary source)",
        ),
        "formats": _c(
            SHOPIFY_MEDIA,
            "[paraphrase] MediaImage: PNG, GIF, JPG [WebP accepted in the admin, secondary]",
            "fail: other formats are refused",
        ),
        "aspect_ratio": _c(
            SHOPIFY_MEDIA,
            "For square images, 2048 x 2048 px is recommended.",
            "warn: a recommendation",
        ),
        "privacy": PRIVACY,
        "source_min_longest": _c(
            SHOPIFY_MEDIA,
            "For square images, 2048 x 2048 px is recommended.",
            "warn: a recommendation",
        ),
        "source_jpeg_quality": ZOOM_QUALITY,
    },
    "ig_square": _ig(IG_RATIO),
    "ig_portrait": _ig(IG_RATIO),
    "ig_story": {
        "formats": IG_FORMAT,
        "max_bytes": IG_BYTES,
        "srgb": IG_SRGB,
        "privacy": PRIVACY,
        "aspect_ratio": IG_STORY_RATIO,
        "source_min_shortest": IG_SOURCE,
        "upscale": UPSCALE,
    },
    "pinterest_pin": {
        "formats": _c(PINTEREST, "[paraphrase] File type: PNG or JPEG", "fail: refused"),
        "max_bytes": _c(
            PINTEREST,
            "[paraphrase] Max file size: 20 MB (desktop) / 32 MB (in-app) [the newer copy: 32 MB]",
            "fail above 32 MB (refused everywhere); warn above 20 MB (refused on desktop in the "
            "older copy)",
        ),
        "aspect_ratio": _c(
            PINTEREST,
            "We recommend using a 2:3 aspect ratio, or 1000 x 1500 pixels. Pins with an aspect "
            "ratio greater than 2:3 might get cut off.",
            "warn: a recommendation",
        ),
        "privacy": PRIVACY,
        "upscale": UPSCALE,
    },
    "meta_catalog": {
        "min_shortest": _c(
            META_SHOPS,
            "You should use images that ... Have a resolution of 1024 x 1024 or higher [500 x 500 "
            "minimum: secondary, catalog error FAQ]",
            "fail below 500 (catalog error, secondary source); warn below 1,024 (recommended)",
        ),
        "formats": _c(
            META_MIN,
            "Image Error: Happens when the image is missing or exceeds the maximum size limit. "
            "The image requirements are: JPEG or PNG format; Ratio (1:1); 500 x 500 px",
            "fail: a catalog error (secondary source)",
        ),
        "max_bytes": _c(
            META_LIMITS, "Image file size limit is 8 MB.", "fail: refused (secondary source)"
        ),
        "aspect_ratio": _c(
            META_SHOPS, "You should use images that ... Are in the square format", "warn"
        ),
        "background": _c(META_SHOPS, "You should use images that ... Have white backdrops", "warn"),
        "no_text": _c(
            META_SHOPS,
            "You shouldn't use images that contain: Text (e.g. calls to action or promo codes) "
            "... Advertising or promotional material; Watermarks; Time-sensitive information",
            "warn: the page lists this among recommendations ('shouldn't'), not requirements",
        ),
        "srgb": _c(
            META_CATALOG,
            "product images satisfy Instagram requirements [Instagram converts other colour "
            "spaces to sRGB]",
            "warn: converted, not refused",
        ),
        "privacy": PRIVACY,
        "source_min_shortest": _c(
            META_SHOPS,
            "You should use images that ... Have a resolution of 1024 x 1024 or higher",
            "fail below 500; warn below 1,024",
        ),
    },
    "gmc_main": {
        "min_shortest": GMC_MIN,
        "max_megapixels": _c(
            GMC_JA, "画像のサイズ: 64 メガピクセル以下 [image size: 64 megapixels or less]", "fail"
        ),
        "max_bytes": _c(
            GMC_JA, "画像ファイルのサイズ: 16 MB 以下 [image file size: 16 MB or less]", "fail"
        ),
        "formats": _c(
            GMC,
            "Supported file formats: JPEG (.jpg/.jpeg), WebP (.webp), PNG (.png), GIF (.gif), BMP "
            "(.bmp), and TIFF (.tif/.tiff)",
            "fail: the product is disapproved",
        ),
        "extension_matches": _c(
            GMC,
            "The image's file extension should correspond to its format. [ja: a wrong extension "
            "can give an 'unsupported image type' error]",
            "fail: disapproved",
        ),
        "no_border": _c(
            GMC_CONTENT,
            "What images must not contain: ... borders around the edge of the image",
            "fail: disapproved",
        ),
        "no_text": _c(
            GMC_CONTENT,
            "What images must not contain: Watermarks; Discount banners, promotional text (e.g. "
            "free shipping, extended warranty), company logos, calls to action (e.g. 'buy')",
            "fail: disapproved",
        ),
        "edge_touch": _c(
            GMC_SUMMARY,
            "Entire product visible, minimal staging",
            "fail: a product cut by the frame is not entirely visible (disapproved)",
        ),
        "min_fill": _c(
            GMC_SUMMARY,
            "Best Practices: ... product covers 75-90% of canvas",
            "warn: a best practice",
        ),
        "max_fill": _c(
            GMC_SUMMARY,
            "Best Practices: ... product covers 75-90% of canvas",
            "warn: a best practice",
        ),
        "background": _c(
            GMC_SUMMARY, "Use white or transparent background", "warn: a recommendation"
        ),
        "privacy": PRIVACY,
        "source_min_shortest": GMC_MIN,
        "source_jpeg_quality": ZOOM_QUALITY,
        "upscale": _c(GMC_SUMMARY, "No scaled up images or thumbnails", "warn: our output size"),
    },
    "ebay_gallery": {
        "min_longest": _c(
            EBAY_POLICY,
            "Photos must be at least 500 pixels on the longest side. [API: a warning below "
            "1,000 px, developer KB 1489]",
            "fail below 500 (removed); warn below 1,000",
        ),
        "max_bytes": _c(
            EBAY_BYTES, "[paraphrase] 12 MB maximum file size", "warn: secondary source"
        ),
        "formats": _c(
            EBAY_MEDIA,
            "[paraphrase] JPG, GIF, PNG, BMP, TIFF, AVIF, HEIC, WEBP",
            "fail: other formats are refused",
        ),
        "no_animation": _c(
            EBAY_MEDIA,
            "[paraphrase] Animated GIFs and multi-page PNG/TIFF files are not supported.",
            "fail: refused",
        ),
        "colour_mode": _c(
            EBAY_GUIDE,
            "[paraphrase] CMYK images must be converted to RGB.",
            "fail on CMYK; other kinds are accepted formats",
        ),
        "no_border": _c(
            EBAY_POLICY,
            "The following are not allowed: ... Photos with added borders",
            "fail: removed from search",
        ),
        "no_text": _c(
            EBAY_POLICY,
            "The following are not allowed: ... Photos with added text, artwork or marketing "
            "material; Watermarks of any type, including those used for ownership attributions",
            "fail: removed from search",
        ),
        "privacy": PRIVACY,
        "source_min_longest": _c(
            EBAY_KB,
            "[paraphrase] Warnings when pictures are smaller than 1000 pixels on the longest "
            "side [policy: at least 500]",
            "fail below 500; warn below 1,000",
        ),
        "source_jpeg_quality": ZOOM_QUALITY,
    },
    "etsy_listing": {
        "min_longest": _c(
            ETSY, "[paraphrase] First photo at least 635 px", "warn: secondary source"
        ),
        "max_bytes": _c(ETSY, "[paraphrase] Keep photos under 10 MB", "warn: secondary source"),
        "formats": _c(ETSY, "[paraphrase] JPG, PNG or GIF", "fail: refused (secondary source)"),
        "privacy": PRIVACY,
        "source_min_shortest": _c(
            ETSY,
            "[paraphrase] At least 2000 px on the shortest side recommended",
            "warn: secondary source",
        ),
        "source_jpeg_quality": ZOOM_QUALITY,
    },
    "walmart_main": {
        "min_shortest": _c(
            WALMART,
            "Pixel Dimensions: 2200px x 2200px; Minimum Pixel Dimensions for Zoom: 1500px x "
            "1500px ... Noncompliance may result in products being unpublished.",
            "fail below 1,500; warn below 2,200",
        ),
        "aspect_ratio": _c(WALMART, "Aspect Ratio: 1:1 (Square)", "fail: may be unpublished"),
        "max_bytes": _c(WALMART, "File Size: 5MB or less", "fail: may be unpublished"),
        "formats": _c(
            WALMART,
            "File Format: JPEG, JPG, PNG, BMP (GIF images aren't permitted)",
            "fail: refused",
        ),
        "colour_mode": _c(
            WALMART,
            "Color Format: RGB ... Bit Depth: 8 bits per pixel",
            "fail on CMYK, greyscale and 16-bit files",
        ),
        "background": _c(
            WALMART, "Background: Seamless white (255/255/255 RGB)", "fail: may be unpublished"
        ),
        "privacy": PRIVACY,
        "source_min_shortest": _c(
            WALMART,
            "Pixel Dimensions: 2200px x 2200px; Minimum Pixel Dimensions for Zoom: 1500px x 1500px",
            "fail below 1,500; warn below 2,200",
        ),
        "source_jpeg_quality": ZOOM_QUALITY,
        "upscale": UPSCALE,
    },
    "zalando_packshot": {
        "formats": _c(ZALANDO, "[paraphrase] File format: JPG/JPEG", "fail: rejected"),
        "min_width": _c(ZALANDO, "[paraphrase] Minimum size: 762 x 1100 px", "fail: rejected"),
        "min_height": _c(ZALANDO, "[paraphrase] Minimum size: 762 x 1100 px", "fail: rejected"),
        "aspect_ratio": _c(ZALANDO, "[paraphrase] Aspect ratio (w x h): 1:1.44", "fail: rejected"),
        "max_bytes": _c(ZALANDO, "[paraphrase] Maximum file size: 20 MB", "fail: rejected"),
        "background": _c(
            ZALANDO,
            "[paraphrase] Primary packshots on white background",
            "warn: light studio range allowed",
        ),
        "sharpness": _c(
            ZALANDO,
            "The correct file size, but a blurry image will lead to a rejection.",
            "warn: rejected when blurry, but the blur measure is a heuristic",
        ),
        "privacy": PRIVACY,
        "source_min_longest": _c(
            ZALANDO,
            "[paraphrase] Best practice: 1801 x 2600 px; minimum: 762 x 1100 px",
            "fail below 1,100; warn below 2,600",
        ),
        "source_jpeg_quality": ZOOM_QUALITY,
    },
    "tiktok_main": {
        "min_shortest": _c(
            TIKTOK,
            "[paraphrase] minimum 600x600",
            "fail below 600; warn below 800 (secondary source)",
        ),
        "max_longest": _c(
            TIKTOK_SPECS, "[paraphrase] Maximum 6000 x 6000 px", "fail (secondary source)"
        ),
        "aspect_ratio": _c(
            TIKTOK, "[paraphrase] up to 9 square images", "warn: some markets have a 3:4 slot too"
        ),
        "formats": _c(TIKTOK_SPECS, "[paraphrase] JPG, JPEG, PNG", "fail (secondary source)"),
        "max_bytes": _c(
            TIKTOK_SPECS, "[paraphrase] Maximum file size 5 MB", "fail (secondary source)"
        ),
        "no_grayscale": _c(TIKTOK, "[paraphrase] colour only", "fail (secondary source)"),
        "background": _c(TIKTOK, "[paraphrase] white background", "warn: secondary source"),
        "min_fill": _c(
            TIKTOK_SPECS, "[paraphrase] product fills at least 80% of the image", "warn"
        ),
        "no_text": _c(
            TIKTOK,
            "[paraphrase] main image ... no text/logos/borders/watermarks",
            "warn: only a secondary source states it",
        ),
        "privacy": PRIVACY,
        "source_min_shortest": _c(
            TIKTOK, "[paraphrase] minimum 600x600", "fail below 600; warn below 1,000"
        ),
        "source_jpeg_quality": _c(
            TIKTOK_SPECS,
            "[paraphrase] blurry or pixelated images are rejected",
            "fail below 60, warn below 85 (secondary source)",
        ),
    },
    "email_hero": {
        "formats": _c(
            EMAIL_FORMATS,
            "[paraphrase] WebP is not rendered by Outlook for Windows",
            "fail: JPEG, PNG and GIF are the formats every client shows",
        ),
        "min_width": _c(
            EMAIL_WEIGHT,
            "[paraphrase] supply 2x (1200 px) for a 600 px layout",
            "warn: a convention",
        ),
        "max_bytes": _c(
            EMAIL_WEIGHT,
            "[paraphrase] hero images 80-200 KB",
            "warn: a convention (Gmail clips HTML, not images)",
        ),
        "privacy": PRIVACY,
        "upscale": UPSCALE,
    },
    "email_product": {
        "formats": _c(
            EMAIL_FORMATS,
            "[paraphrase] WebP is not rendered by Outlook for Windows",
            "fail: JPEG, PNG and GIF are the formats every client shows",
        ),
        "max_bytes": _c(EMAIL_WEIGHT, "[paraphrase] body images 40-100 KB", "warn: a convention"),
        "privacy": PRIVACY,
    },
    "pdp_zoom": {
        "formats": _c(HOUSE, "The preset's own output format (format-webp).", "fail: not ours"),
        "privacy": PRIVACY,
        "source_min_longest": _c(
            HOUSE,
            "Zoom on product pages wants about 2048 px on the longest side.",
            "warn: our recommendation",
        ),
        "source_jpeg_quality": ZOOM_QUALITY,
    },
    "pdp_thumb": {
        "formats": _c(HOUSE, "The preset's own output format (format-webp).", "fail: not ours"),
        "max_bytes": _c(HOUSE, "A 160 px thumbnail within 15 KB.", "warn: a page-weight budget"),
        "privacy": PRIVACY,
    },
    "og_share": {
        "min_width": _c(OG, "The minimum allowed image dimension is 200 x 200 pixels.", "fail"),
        "min_height": _c(OG, "The minimum allowed image dimension is 200 x 200 pixels.", "fail"),
        "max_bytes": _c(OG, "The size of the image file must not exceed 8 MB.", "fail"),
        "formats": _c(OG, "[paraphrase] JPEG or PNG [formats Facebook's crawler shows]", "fail"),
        "privacy": PRIVACY,
        "upscale": UPSCALE,
    },
}


def citation(channel: str, rule: str) -> Citation | None:
    """The published rule behind ``rule`` of the built-in preset ``channel`` (None for presets
    and rules a project adds itself)."""
    return RULE_CITATIONS.get(channel, {}).get(rule)
