"""The product catalog: SKU file naming, product imports, and each brand's collection
tree in Wagtail's image library (brand / stage / catalog / season)."""
