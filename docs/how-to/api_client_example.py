#!/usr/bin/env python3
"""Sync a PIM's product list into LF Cloud, then upload a folder of photos named by the convention.

Uses only the documented API (docs/reference/api.md) and the `requests` library:

    python api_client_example.py --url https://dam.example.com/lfcloud/api/v1 \\
        --token "$LFCLOUD_TOKEN" --products pim-export.csv --photos ./shoot-2026-01/

* ``--products``: a CSV export of the PIM with a header row; the columns ``sku`` and ``name`` and
  optionally ``style, colour, catalog, season, asin, gtin`` (``catalog`` is a catalog's slug,
  ``season`` a season's code). Sent with ``PUT /products`` in batches of 1,000; sending the same
  list again changes nothing.
* ``--photos``: a folder of files named ``<SKU>_<YYYY-MM>_<angle>.<ext>`` (the naming convention),
  each sent with ``POST /uploads``. A file already uploaded (``409 duplicate``) is skipped.

The token is a brand token with the scopes ``products:write`` and ``upload``. Rate limits (``429``)
and a busy storage (``503``) are waited out as ``Retry-After`` says. The exit status is 0 when
every product and every file went through, 1 otherwise; each problem is printed with its row or
file name and the API's error code.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import requests

BATCH = 1000
FIELDS = ("sku", "name", "style", "colour", "catalog", "season", "asin", "gtin")
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"}


class Client:
    def __init__(self, url: str, token: str, brand: str | None = None):
        self.url = url.rstrip("/")
        self.brand = brand
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, attempts: int = 5, **kwargs) -> requests.Response:
        """One request; waits out 429 and 503 as Retry-After says, then tries again."""
        for _attempt in range(attempts):
            response = self.session.request(method, self.url + path, timeout=120, **kwargs)
            if response.status_code not in (429, 503):
                break
            time.sleep(min(int(response.headers.get("Retry-After", "5")), 120))
        return response

    # --- products --------------------------------------------------------------------------

    def sync_products(self, rows: list[dict[str, str]]) -> int:
        """PUT the rows in batches; returns the number of rows refused."""
        failed = 0
        for start in range(0, len(rows), BATCH):
            body = {"products": rows[start : start + BATCH]}
            if self.brand:
                body["brand"] = self.brand
            response = self.call("PUT", "/products", json=body)
            if response.status_code != 200:
                problem = response.json()
                print(
                    f"products {start + 1}-{start + len(body['products'])}: "
                    f"{problem.get('code')}: {problem.get('detail')}"
                )
                failed += len(body["products"])
                continue
            result = response.json()
            print(
                f"products: {result['created']} created, {result['updated']} updated, "
                f"{result['unchanged']} unchanged, {result['failed']} refused"
            )
            for row in result["results"]:
                if row["status"] == "error":
                    # +2: the header is line 1 of the CSV file.
                    print(f"  line {start + row['index'] + 2} ({row['sku']}): {row['errors']}")
            failed += result["failed"]
        return failed

    # --- photos ----------------------------------------------------------------------------

    def upload(self, path: Path) -> bool:
        data = {"brand": self.brand} if self.brand else {}
        files = {"file": (path.name, path.read_bytes())}
        response = self.call("POST", "/uploads", data=data, files=files)
        if response.status_code == 201:
            result = response.json()
            print(f"{path.name}: v{result['number']} {result['status']}")
            return True
        problem = response.json()
        if problem.get("code") == "duplicate":
            print(f"{path.name}: already uploaded, skipped")
            return True
        print(
            f"{path.name}: refused ({response.status_code} {problem.get('code')}): "
            f"{problem.get('detail')}"
        )
        return False


def read_products(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return [
            {
                k.strip().lower(): (v or "").strip()
                for k, v in row.items()
                if k and k.strip().lower() in FIELDS
            }
            for row in reader
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="The API's base URL, ending in /api/v1.")
    parser.add_argument("--token", required=True, help="A brand token (products:write, upload).")
    parser.add_argument("--brand", help="Brand slug (a brand token may leave it out).")
    parser.add_argument("--products", type=Path, help="CSV export of the PIM's products.")
    parser.add_argument("--photos", type=Path, help="Folder of photos named by the convention.")
    args = parser.parse_args(argv)
    if not (args.products or args.photos):
        parser.error("give --products, --photos or both")

    client = Client(args.url, args.token, args.brand)
    problems = 0
    if args.products:
        problems += client.sync_products(read_products(args.products))
    if args.photos:
        photos = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)
        problems += sum(not client.upload(photo) for photo in photos)
    print("done" if not problems else f"{problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
