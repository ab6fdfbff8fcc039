"""Import products from a CSV or XLSX file into a brand, all or nothing."""

from django.core.management.base import BaseCommand, CommandError

from wagtail_lfcloud.catalog.importers import ImportFailed, import_products
from wagtail_lfcloud.models import Brand


class Command(BaseCommand):
    help = (
        "Create or update a brand's products from a CSV or XLSX file (columns: sku, name, style, "
        "colour, catalog, season, asin, gtin; a workbook's first worksheet)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "csv_file", metavar="file", help="Path to a UTF-8 CSV file or an XLSX workbook."
        )
        parser.add_argument("--brand", required=True, help="Slug of the brand to import into.")

    def handle(self, csv_file, brand, **options):
        try:
            brand_obj = Brand.objects.get(slug=brand)
        except Brand.DoesNotExist:
            raise CommandError(f"No brand with slug {brand!r}.") from None
        try:
            with open(csv_file, "rb") as fh:
                result = import_products(fh, brand_obj)
        except OSError as exc:
            raise CommandError(f"Cannot read {csv_file}: {exc.strerror}.") from None
        except ImportFailed as exc:
            raise CommandError(
                "Nothing was imported.\n" + "\n".join(str(e) for e in exc.errors)
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{brand_obj}: {len(result.created)} created, {len(result.updated)} updated."
            )
        )
