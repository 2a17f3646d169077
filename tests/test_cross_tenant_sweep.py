"""Every tenant URL pattern, called across tenants with real object ids, answers 404 (or a login
redirect) and changes nothing.

The sweep discovers URL patterns itself, and builds one object of every tenant-owned model in
both tenants generically, so later apps are covered without touching this file.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import re
import uuid
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import get_converters
from django.utils import timezone

from accounts.models import Membership, Tenant
from accounts.roles import Role
from accounts.tenancy import TenantOwned, is_tenant_owned, tenant_context
from tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- URL discovery ---------------------------------------------------------------------------


@dataclass
class TenantRoute:
    name: str  # namespaced, e.g. "crm:contact_detail"
    converters: dict[str, object] = field(default_factory=dict)
    is_public: bool = False

    @property
    def object_params(self) -> list[str]:
        return [p for p in self.converters if p != "tenant_slug"]


ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def route_converters(pattern: object) -> dict[str, object]:
    """Parameters of one route string. Not ``pattern.converters``: Django's resolver updates
    that dict in place, and ``_route_to_regex`` is cached, so all ``path("", include(…))``
    patterns share one dict that picks up other includes' parameters."""
    known = get_converters()
    return {
        match["name"]: known[match["converter"] or "str"]
        for match in ROUTE_PARAMETER.finditer(str(pattern))
    }


def _walk(patterns, namespace: str, converters: dict, inside_tenant: bool, out: list) -> None:  # type: ignore[no-untyped-def]
    for entry in patterns:
        entry_converters = {**converters, **route_converters(entry.pattern)}
        tenant_here = inside_tenant or "tenant_slug" in entry_converters
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            child_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            _walk(entry.url_patterns, child_ns, entry_converters, tenant_here, out)
        elif isinstance(entry, URLPattern) and tenant_here and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            public = bool(getattr(entry.callback, "tenant_public", False))
            out.append(TenantRoute(name=name, converters=entry_converters, is_public=public))


def tenant_routes() -> list[TenantRoute]:
    routes: list[TenantRoute] = []
    _walk(get_resolver().url_patterns, "", {}, False, routes)
    return routes


# --- a generic world: one object of every tenant-owned model --------------------------------


def _value_for(model_field: models.Field, tenant: Tenant, made: dict, user) -> object:  # type: ignore[no-untyped-def]
    if model_field.choices:
        return model_field.choices[0][0]
    if isinstance(model_field, models.ForeignKey):
        target = model_field.related_model
        if target is Tenant:
            return tenant
        if target._meta.label == "accounts.User":
            return user
        if is_tenant_owned(target):
            return build(target, tenant, made, user)
        return None
    if isinstance(model_field, models.EmailField):
        return f"{tenant.slug}-{model_field.name}@example.test"
    if isinstance(model_field, models.URLField):
        return "https://example.test/"
    if isinstance(model_field, (models.SlugField, models.CharField, models.TextField)):
        suffix = hashlib.sha256(
            f"{tenant.pk}{model_field.model.__name__}{model_field.name}".encode()
        )
        value = f"x{tenant.slug}{suffix.hexdigest()}"
        return value[: model_field.max_length] if model_field.max_length else value
    if isinstance(model_field, models.BooleanField):
        return False
    if isinstance(model_field, (models.IntegerField, models.FloatField)):
        return 1
    if isinstance(model_field, models.DecimalField):
        return decimal.Decimal("1")
    if isinstance(model_field, models.DateTimeField):
        return timezone.now()
    if isinstance(model_field, models.DateField):
        return datetime.date.today()
    if isinstance(model_field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(model_field, models.JSONField):
        return {}
    return None


def build(model: type[TenantOwned], tenant: Tenant, made: dict, user) -> TenantOwned:  # type: ignore[no-untyped-def]
    key = (model, tenant.pk)
    if key in made:
        return made[key]
    values = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or model_field.name == "tenant" or model_field.generated:
            continue
        if model_field.has_default() or (
            model_field.null and not isinstance(model_field, models.ForeignKey)
        ):
            continue
        if isinstance(model_field, models.ForeignKey) and model_field.null:
            related = model_field.related_model
            if not (is_tenant_owned(related) and related is not model):
                continue
        value = _value_for(model_field, tenant, made, user)
        if value is not None:
            values[model_field.name] = value
    with tenant_context(tenant):
        instance = model.objects.create(**values)
    made[key] = instance
    return instance


@dataclass
class World:
    tenant_a: Tenant
    tenant_b: Tenant
    objects_a: dict  # model -> instance in tenant A
    membership_a: Membership
    user_b: object


@pytest.fixture
def world() -> World:
    tenant_a = TenantFactory(slug="sweep-alpha")
    tenant_b = TenantFactory(slug="sweep-bravo")
    owner_a = UserFactory(email="owner@sweep-alpha.test")
    MembershipFactory(tenant=tenant_a, user=owner_a, role=Role.OWNER)
    member_a = MembershipFactory(tenant=tenant_a, user=UserFactory(), role=Role.SALES_REP)
    user_b = UserFactory(email="owner@sweep-bravo.test")
    MembershipFactory(tenant=tenant_b, user=user_b, role=Role.OWNER)
    made: dict = {}
    for model in apps.get_models():
        if is_tenant_owned(model):
            build(model, tenant_a, made, owner_a)
            build(model, tenant_b, made, user_b)
    objects_a = {model: obj for (model, tenant_id), obj in made.items() if tenant_id == tenant_a.pk}
    return World(tenant_a, tenant_b, objects_a, member_a, user_b)


def snapshot(tenant: Tenant) -> dict[str, str]:
    """A digest of every tenant-owned table's rows for ``tenant`` (and of its memberships)."""
    digests = {}
    with tenant_context(tenant), connection.cursor() as cursor:
        for model in apps.get_models():
            if not is_tenant_owned(model):
                continue
            table = model._meta.db_table
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM \"{table}\" t"
            )
            digests[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY m.id), '')) "
            "FROM accounts_membership m WHERE tenant_id = %s",
            [tenant.pk],
        )
        digests["accounts_membership"] = cursor.fetchone()[0]
        cursor.execute("SELECT md5(t::text) FROM accounts_tenant t WHERE id = %s", [tenant.pk])
        digests["accounts_tenant"] = cursor.fetchone()[0]
    return digests


# --- filling URL parameters with tenant A's real ids --------------------------------------

MODEL_ALIASES = {"member": Membership, "membership": Membership}


def _model_for(route: TenantRoute, param: str, world: World) -> type[models.Model] | None:
    """Guess which model a parameter names: ``<model>_id`` / ``<model>_pk`` / ``<model>``, else
    the longest model name that starts the URL name (``contact_detail`` → Contact)."""
    candidates = {m._meta.model_name: m for m in world.objects_a} | MODEL_ALIASES
    stem = param.removesuffix("_id").removesuffix("_pk").removesuffix("_uuid").replace("_", "")
    if stem in candidates:
        return candidates[stem]
    url_name = route.name.rsplit(":", 1)[-1].replace("_", "").replace("-", "")
    matches = [name for name in candidates if url_name.startswith(name)]
    return candidates[max(matches, key=len)] if matches else None


def _object_value(model: type[models.Model], converter: object, world: World) -> object:
    instance = world.membership_a if model is Membership else world.objects_a[model]
    converter_name = type(converter).__name__
    if converter_name == "UUIDConverter":
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.UUIDField):
                return getattr(instance, model_field.name)
        return uuid.uuid4()
    return instance.pk


def candidate_kwargs(route: TenantRoute, world: World, slug: str) -> list[dict]:
    """One kwargs dict per guess of what the parameters name (several when unsure)."""
    options: list[dict] = [{"tenant_slug": slug}]
    for param in route.object_params:
        converter = route.converters[param]
        converter_name = type(converter).__name__
        model = _model_for(route, param, world)
        if model is not None:
            values = [_object_value(model, converter, world)]
        elif converter_name == "IntConverter":
            values = sorted({obj.pk for obj in world.objects_a.values()} | {world.membership_a.pk})
        elif converter_name == "UUIDConverter":
            values = [uuid.uuid4()]
        else:  # tokens, slugs: a value that names nothing
            values = ["not-a-real-token"]
        options = [dict(o, **{param: v}) for o in options for v in values]
    return options


def foreign_body(world: World) -> dict[str, list[str]]:
    """A POST body naming tenant A's objects under the usual field names."""
    body: dict[str, list[str]] = {}
    for model, instance in world.objects_a.items():
        name = model._meta.model_name
        body.setdefault(name, []).append(str(instance.pk))
    ids = [str(obj.pk) for obj in world.objects_a.values()]
    body.update(
        {"ids": ids, "id": ids[:1], "selected": ids, "owner": [str(world.membership_a.user_id)]}
    )
    body["member"] = [str(world.membership_a.pk)]
    return body


def test_the_sweep_finds_tenant_routes() -> None:
    names = {route.name for route in tenant_routes()}
    assert "tenant_home" in names


@pytest.mark.parametrize("client_kind", ["member_of_other_tenant", "anonymous"])
def test_other_tenant_urls_answer_404_or_login_and_change_nothing(
    world: World, client_kind: str
) -> None:
    client = Client()
    if client_kind == "member_of_other_tenant":
        client.force_login(world.user_b)
    before = snapshot(world.tenant_a)
    failures = []
    for route in tenant_routes():
        for kwargs in candidate_kwargs(route, world, world.tenant_a.slug):
            url = reverse(route.name, kwargs=kwargs)
            for method in ("get", "post"):
                data = foreign_body(world) if method == "post" else None
                response = getattr(client, method)(url, data=data)
                status = response.status_code
                login_redirect = status == 302 and "/accounts/login/" in response.get(
                    "Location", ""
                )
                allowed = status == 404 or (client_kind == "anonymous" and login_redirect)
                if route.is_public:
                    allowed = allowed or status in (200, 302, 400, 405)
                if not allowed:
                    failures.append(f"{method.upper()} {url} ({route.name}) -> {status}")
    assert failures == []
    assert snapshot(world.tenant_a) == before


def test_own_tenant_urls_with_other_tenants_ids_answer_404_and_change_nothing(world: World) -> None:
    """The subtler attack: a member (owner) of B uses B's address with A's object ids."""
    client = Client()
    client.force_login(world.user_b)
    before = snapshot(world.tenant_a)
    failures = []
    for route in tenant_routes():
        for kwargs in candidate_kwargs(route, world, world.tenant_b.slug):
            url = reverse(route.name, kwargs=kwargs)
            for method in ("get", "post"):
                response = getattr(client, method)(
                    url, data=foreign_body(world) if method == "post" else None
                )
                status = response.status_code
                if status >= 500:
                    failures.append(f"{method.upper()} {url} ({route.name}) -> {status}")
                elif route.object_params and not route.is_public and status not in (404, 405):
                    failures.append(
                        f"{method.upper()} {url} ({route.name}) -> {status}, expected 404"
                    )
    assert failures == []
    assert snapshot(world.tenant_a) == before


def test_the_world_has_an_object_of_every_tenant_owned_model(world: World) -> None:
    tenant_models = {m for m in apps.get_models() if is_tenant_owned(m)}
    assert set(world.objects_a) == tenant_models
    assert all(obj.tenant_id == world.tenant_a.pk for obj in world.objects_a.values())


def test_parameters_are_filled_with_the_named_models_ids(world: World) -> None:
    from django.urls.converters import IntConverter

    contact_model = apps.get_model("crm", "Contact")
    route = TenantRoute(
        name="crm:contact_detail", converters={"tenant_slug": None, "pk": IntConverter()}
    )
    assert candidate_kwargs(route, world, "x") == [
        {"tenant_slug": "x", "pk": world.objects_a[contact_model].pk}
    ]
    route = TenantRoute(
        name="settings:member_role", converters={"tenant_slug": None, "pk": IntConverter()}
    )
    assert candidate_kwargs(route, world, "x") == [
        {"tenant_slug": "x", "pk": world.membership_a.pk}
    ]
