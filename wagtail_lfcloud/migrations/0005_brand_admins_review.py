"""Brand admins decide the "Brand approval" step: put every brand's Brand admin group on each
brand approval task that already exists (new brands' groups are added when they are created)."""

from django.db import migrations


def add_brand_admin_groups(apps, schema_editor):
    BrandApprovalTask = apps.get_model("wagtail_lfcloud", "BrandApprovalTask")
    BrandRole = apps.get_model("wagtail_lfcloud", "BrandRole")
    group_ids = list(
        BrandRole.objects.filter(role="brand_admin").values_list("group_id", flat=True)
    )
    if not group_ids:
        return
    for task in BrandApprovalTask.objects.all():
        task.groups.add(*group_ids)


def remove_brand_admin_groups(apps, schema_editor):
    BrandApprovalTask = apps.get_model("wagtail_lfcloud", "BrandApprovalTask")
    BrandRole = apps.get_model("wagtail_lfcloud", "BrandRole")
    group_ids = list(
        BrandRole.objects.filter(role="brand_admin").values_list("group_id", flat=True)
    )
    for task in BrandApprovalTask.objects.all():
        task.groups.remove(*group_ids)


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_lfcloud", "0004_usage_rights"),
    ]

    operations = [
        migrations.RunPython(add_brand_admin_groups, remove_brand_admin_groups),
    ]
