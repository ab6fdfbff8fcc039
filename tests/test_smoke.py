import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_check_passes():
    call_command("check")
