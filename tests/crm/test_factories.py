"""The crm factories build valid, tenant-bound rows (other helpers' tests rely on them)."""

from crm.models import Activity, ContactCompany, ContactTag
from tests.factories_crm import ActivityFactory, CompanyFactory, ContactFactory, TagFactory


def test_factories_build_rows_in_the_bound_tenant(tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_a):
        acme = CompanyFactory(name="Acme", tags=["vip"])
        ada = ContactFactory(company=acme, tags=["vip", TagFactory(name="newsletter")])
        ActivityFactory(contact=ada, kind=Activity.Kind.CALL)
        assert ada.tenant_id == tenant_a.pk
        assert ContactCompany.objects.get(contact=ada).is_primary
        assert ContactTag.objects.filter(contact=ada).count() == 2
        assert Activity.objects.filter(contact=ada).count() == 1
    with in_tenant(tenant_b):
        assert not ContactCompany.objects.exists()
