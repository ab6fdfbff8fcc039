"""Webhooks cannot probe internal services (SSRF): every non-public address class is refused when
the endpoint is saved and again when a delivery is sent, through literal addresses, DNS names,
DNS answers that change (rebinding) and redirects; the delivery log never shows an internal answer.

Deliveries are sent to real local servers where a test needs to show that nothing reached them;
the loopback allow-list is set only where a test needs a delivery to succeed.
"""

from __future__ import annotations

import base64

import pytest
import urllib3.util.connection
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import make_user
from wagtail_lfcloud.delivery import webhooks
from wagtail_lfcloud.delivery.checks import check_webhook_allow_lists
from wagtail_lfcloud.models import Role, WebhookDelivery, WebhookEndpoint

from .receivers import Receiver

pytestmark = pytest.mark.django_db

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
ADD = "wagtailsnippets_wagtail_lfcloud_webhookendpoint:add"

#: Name -> (URL, names to make resolve to addresses, if any). One per refused class or route.
REFUSED = {
    "cloud metadata (AWS/GCP/Azure)": ("http://169.254.169.254/latest/meta-data/iam/", {}),
    "cloud metadata by name": ("http://metadata.google.internal/computeMetadata/v1/", {}),
    "metadata name resolving to it": (
        "http://metadata.google.internal/",
        {"metadata.google.internal": ["169.254.169.254"]},
    ),
    "Azure wire server": ("http://168.63.129.16/machine", {}),
    "loopback": ("http://127.0.0.1:8000/admin/", {}),
    "loopback, short form": ("http://127.1/", {}),
    "loopback, decimal form": ("http://2130706433/", {}),
    "localhost": ("http://localhost:5432/", {}),
    "*.localhost": ("http://api.localhost/", {}),
    "IPv6 loopback": ("http://[::1]:8000/", {}),
    "IPv4-mapped IPv6 loopback": ("http://[::ffff:127.0.0.1]/", {}),
    "IPv4-mapped IPv6 private": ("http://[::ffff:10.0.0.1]/", {}),
    "unspecified": ("http://0.0.0.0:8000/", {}),
    "IPv6 unspecified": ("http://[::]/", {}),
    "private 10/8": ("http://10.1.2.3/", {}),
    "private 172.16/12": ("http://172.16.0.10/", {}),
    "private 192.168/16": ("https://192.168.1.1/", {}),
    "link-local": ("http://169.254.10.10/", {}),
    "IPv6 link-local": ("http://[fe80::1]/", {}),
    "IPv6 unique local": ("http://[fd00::1]/", {}),
    "shared (CG-NAT)": ("http://100.64.0.1/", {}),
    "multicast": ("http://224.0.0.251/", {}),
    "reserved": ("http://240.0.0.1/", {}),
    "broadcast": ("http://255.255.255.255/", {}),
    "name resolving to loopback": ("http://evil.example.com/", {"evil.example.com": ["127.0.0.1"]}),
    "name resolving to private": (
        "https://erp.example.com/hook",
        {"erp.example.com": ["10.20.30.40"]},
    ),
    "name with one private answer among public ones": (
        "https://mixed.example.com/",
        {"mixed.example.com": ["93.184.216.34", "192.168.0.5"]},
    ),
    "*.internal name": ("http://erp.corp.internal/", {"erp.corp.internal": ["93.184.216.34"]}),
}


@pytest.fixture
def connections(monkeypatch):
    """Every TCP connection the HTTP client opens (host, port); none is really made."""
    opened = []

    def create_connection(address, *args, **kwargs):
        opened.append(address[:2])
        raise ConnectionRefusedError("test: no network")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return opened


def add_form(brand, url, name="Probe"):
    return {"brand": brand.pk, "name": name, "url": url, "events": [], "secret": "", "active": "on"}


@pytest.fixture
def brand_admin_client(client, brand):
    client.force_login(make_user("root", superuser=True))
    return client


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_when_saved(case, brand, brand_admin_client, public_dns):
    url, names = REFUSED[case]
    public_dns(names)
    response = brand_admin_client.post(reverse(ADD), add_form(brand, url))
    assert response.status_code == 200, f"{case}: saved"
    html = response.content.decode()
    # Django's URL validator already refuses some spellings (127.1, 2130706433); they are
    # still refused at delivery below, where a row could come from elsewhere.
    assert "Webhooks are only sent to public addresses." in html or "Enter a valid URL." in html
    assert not WebhookEndpoint.objects.exists()


def test_public_addresses_are_accepted_when_saved(brand, brand_admin_client, public_dns):
    public_dns({"hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"]})
    response = brand_admin_client.post(
        reverse(ADD), add_form(brand, "https://hooks.example.com/lf")
    )
    assert response.status_code == 302
    unknown = brand_admin_client.post(
        reverse(ADD), add_form(brand, "https://no-such-host.invalid/", name="Typo")
    )
    assert "could not be resolved" in unknown.content.decode()


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_when_delivered(case, brand, public_dns, connections):
    """An endpoint saved before the rule, or whose name now resolves elsewhere: nothing is sent."""
    url, names = REFUSED[case]
    public_dns(names)
    endpoint = WebhookEndpoint.objects.create(brand=brand, name="old", url=url, secret=SECRET)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="asset.approved", payload={"id": "msg_1"}
    )
    assert webhooks.deliver(delivery.pk) == "failed"  # policy, not a passing failure: no retry
    delivery.refresh_from_db()
    assert connections == []
    assert delivery.response_status is None and delivery.next_attempt_at is None
    assert delivery.last_error.startswith("Not sent: ")


LOOPBACK_ROUTES = {
    "127.0.0.1": "http://127.0.0.1:{port}/",
    "127.1": "http://127.1:{port}/",
    "decimal": "http://2130706433:{port}/",
    "0.0.0.0": "http://0.0.0.0:{port}/",
    "IPv4-mapped": "http://[::ffff:127.0.0.1]:{port}/",
    "localhost": "http://localhost:{port}/",
    "DNS name": "http://internal-looking.example.com:{port}/",
}


@pytest.mark.parametrize("route", list(LOOPBACK_ROUTES))
def test_a_live_local_service_is_never_reached(route, brand, public_dns):
    """A real server on this machine (the internal service) sees no request by any route."""
    public_dns({"internal-looking.example.com": ["127.0.0.1"]})
    service = Receiver()
    try:
        url = LOOPBACK_ROUTES[route].format(port=service.port)
        endpoint = WebhookEndpoint.objects.create(brand=brand, name="probe", url=url, secret=SECRET)
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="asset.approved", payload={"id": "m"}
        )
        webhooks.deliver(delivery.pk)
    finally:
        service.close()
    assert service.requests == []
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.response_status is None


def test_the_connection_goes_to_the_checked_address(brand, public_dns, connections):
    """DNS rebinding: the name answers a public address, then loopback. The one check decides, and
    the connection is made to the address that was checked, not to a second answer."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])
    lookups = public_dns({"rebind.example.com": lambda: next(answers)})
    endpoint = WebhookEndpoint.objects.create(
        brand=brand, name="rebind", url="http://rebind.example.com:8080/hook", secret=SECRET
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="asset.approved", payload={"id": "msg_r"}
    )
    webhooks.deliver(delivery.pk)
    assert connections == [("93.184.216.34", 8080)]
    assert lookups == ["rebind.example.com"]
    delivery.refresh_from_db()
    assert delivery.status == "retry" and delivery.last_error.startswith("Could not connect")


def test_https_keeps_the_host_name_for_tls(brand, public_dns, monkeypatch):
    """Pinned to the IP, an https request still sends the name as Host and as the TLS server name."""
    from wagtail_lfcloud.delivery.outbound import PinnedAddressAdapter

    public_dns({"secure.example.com": ["93.184.216.34"]})
    import requests

    request = requests.Request("POST", "https://secure.example.com/hook", data=b"{}").prepare()
    host_params, pool_kwargs = PinnedAddressAdapter(
        is_https_proto=True
    ).build_connection_pool_key_attributes(request, True)
    assert host_params["host"] == "93.184.216.34"
    assert request.headers["Host"] == "secure.example.com"
    assert pool_kwargs["server_hostname"] == pool_kwargs["assert_hostname"] == "secure.example.com"


@pytest.mark.parametrize("target", ["second local server", "cloud metadata"])
def test_redirects_to_refused_addresses_are_not_followed(target, brand, settings):
    """An allowed receiver (loopback allow-listed for this test) answers with a redirect inward."""
    settings.WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    inner = Receiver(host="127.0.0.2")  # not in the allow-list
    location = (
        inner.url if target == "second local server" else "http://169.254.169.254/latest/meta-data/"
    )
    outer = Receiver(statuses=[("redirect", location)])
    try:
        endpoint = WebhookEndpoint.objects.create(
            brand=brand, name="bouncer", url=outer.url, secret=SECRET
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="asset.approved", payload={"id": "m"}
        )
        assert webhooks.deliver(delivery.pk) == "retry"
    finally:
        outer.close()
        inner.close()
    assert len(outer.requests) == 1 and inner.requests == []
    delivery.refresh_from_db()
    assert "redirects are not followed" in delivery.last_error


def test_the_allow_list_lets_a_local_receiver_through(brand, settings):
    settings.WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    receiver = Receiver()
    try:
        endpoint = WebhookEndpoint.objects.create(
            brand=brand, name="dev", url=receiver.url, secret=SECRET
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="asset.approved", payload={"id": "m"}
        )
        assert webhooks.deliver(delivery.pk) == "delivered"
    finally:
        receiver.close()
    assert len(receiver.requests) == 1
    # The allow-list is by address: other loopback addresses, and internal names, stay refused.
    endpoint.url = "http://127.0.0.2/"
    with pytest.raises(ValidationError, match="public addresses"):
        endpoint.clean()
    endpoint.url = "http://localhost/"
    with pytest.raises(ValidationError, match="internal host name"):
        endpoint.clean()
    settings.WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    endpoint.clean()  # localhost resolves to 127.0.0.1 here


def test_the_delivery_log_shows_outcome_and_time_but_never_an_internal_answer(
    client, brand, public_dns
):
    """The brand admin sees that the delivery was refused and how long it took; no status code or
    reply of the internal service (which, here, is live and would answer)."""
    service = Receiver(statuses=[418])
    try:
        public_dns({"probe.example.com": ["127.0.0.1"]})
        endpoint = WebhookEndpoint.objects.create(
            brand=brand,
            name="probe",
            url=f"http://probe.example.com:{service.port}/",
            secret=SECRET,
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="asset.approved", payload={"id": "m"}
        )
        webhooks.deliver(delivery.pk)
    finally:
        service.close()
    admin = make_user("acme_admin", brand=brand, role=Role.BRAND_ADMIN)
    from django.contrib.auth.models import Permission

    admin.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="wagtail_lfcloud", codename="view_webhookdelivery"
        )
    )
    client.force_login(admin)
    page = client.get(
        reverse("wagtailsnippets_wagtail_lfcloud_webhookdelivery:inspect", args=[delivery.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not sent" in html and "Failed" in html
    assert "418" not in html and "internal service reply" not in html and "127.0.0.1" not in html
    assert service.requests == []


@pytest.mark.parametrize(
    "networks,hosts,expected",
    [
        (["127.0.0.1/32", "::1/128", "10.20.0.0/16"], ["localhost"], []),
        (["not-a-network"], [], ["wagtail_lfcloud.E050"]),
        ("127.0.0.1/32", [], ["wagtail_lfcloud.E050"]),
        ([], "localhost", ["wagtail_lfcloud.E050"]),
        (["169.254.0.0/16"], [], ["wagtail_lfcloud.W050"]),
        (["0.0.0.0/0"], [], ["wagtail_lfcloud.W050"]),
    ],
)
def test_allow_list_checks(settings, networks, hosts, expected):
    settings.WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS = networks
    settings.WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_HOSTS = hosts
    assert [m.id for m in check_webhook_allow_lists()] == expected
    assert set(expected) <= {m.id for m in run_checks()}
