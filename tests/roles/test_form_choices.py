"""Form choices follow the capability the form's action needs, per brand.

A person can hold different roles on different brands. Someone who is brand admin of Alpha and
studio of Beta may see Beta's products and orders (a studio views them), but adding or changing
an order, asset, brief or product needs a capability they hold on Alpha only, so those forms
(and their inline lines) must offer Alpha's rows alone.
"""

import pytest
from django.forms import ModelChoiceField, ModelMultipleChoiceField

from tests.factories import role_group
from tests.roles.helpers import make_full_world
from wagtail_lfcloud.access import MODEL_ACCESS
from wagtail_lfcloud.models import Role

pytestmark = pytest.mark.django_db

ADMIN = "/admin/snippets/wagtail_lfcloud"


@pytest.fixture
def worlds():
    return make_full_world("Alpha"), make_full_world("Beta")


@pytest.fixture
def person(worlds):
    alpha, beta = worlds
    user = alpha.users[Role.BRAND_ADMIN]
    user.groups.add(role_group(beta.brand, Role.STUDIO))
    return user


def _choice_fields(form):
    """(name, field) of every model choice of ``form`` and of its inline forms."""
    for name, field in form.fields.items():
        if field.widget.is_hidden:  # an inline row's own id: nothing to choose
            continue
        if isinstance(field, ModelChoiceField | ModelMultipleChoiceField):
            yield name, field
    for relation, formset in getattr(form, "formsets", {}).items():
        for name, field in _choice_fields(formset.empty_form):
            yield f"{relation}.{name}", field


def _brand_ids(field) -> set[int]:
    access = MODEL_ACCESS.get(field.queryset.model.__name__)
    if access is None:
        return set()
    return set(field.queryset.values_list(access.brand_path, flat=True))


def _urls(alpha):
    return [
        f"{ADMIN}/order/add/",
        f"{ADMIN}/order/edit/{alpha.order.pk}/",
        f"{ADMIN}/asset/add/",
        f"{ADMIN}/brief/add/",
        f"{ADMIN}/brief/edit/{alpha.brief.pk}/",
        f"{ADMIN}/product/add/",
        f"{ADMIN}/catalog/add/",
        f"{ADMIN}/invoice/add/",
        f"{ADMIN}/webhookendpoint/add/",
    ]


def test_forms_offer_only_the_brands_where_the_action_is_allowed(client, worlds, person):
    alpha, beta = worlds
    client.force_login(person)
    leaks = []
    checked = 0
    for url in _urls(alpha):
        response = client.get(url)
        assert response.status_code == 200, url
        for name, field in _choice_fields(response.context["form"]):
            brands = _brand_ids(field)
            checked += bool(brands)
            if beta.brand.pk in brands:
                leaks.append(f"{url} {name}")
    assert leaks == []
    assert checked >= len(_urls(alpha))  # every form offered Alpha's rows somewhere


def test_the_order_lines_offer_the_brand_admins_products(client, worlds, person):
    alpha, beta = worlds
    client.force_login(person)
    form = client.get(f"{ADMIN}/order/add/").context["form"]
    products = form.formsets["lines"].empty_form.fields["product"].queryset
    assert list(products) == [alpha.product]
    # The same person still sees Beta's products where a studio may: the product listing.
    listing = client.get(f"{ADMIN}/product/")
    assert beta.product.sku in listing.content.decode()
