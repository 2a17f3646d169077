"""``bench``: a smoke run on small data checks the JSON shape (never the timings)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from crm.management.commands import bench

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def small_data():  # type: ignore[no-untyped-def]
    call_command(
        "generate_data", "--tenant", "benchy", "--contacts", "120", "--companies", "12",
        "--activities", "300", "--small-tenants", "1", "--small-contacts", "2", "--no-analyze",
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )  # fmt: skip


def test_bench_list_json_shape(small_data, tmp_path) -> None:
    out = tmp_path / "bench.json"
    call_command(
        "bench", "--tenant", "benchy", "--only", "contacts.list", "--json", str(out),
        "--iterations", "3", "--warmup", "1", stdout=open("/dev/null", "w"),  # noqa: SIM115
    )  # fmt: skip
    report = json.loads(out.read_text())
    assert set(report) == {"data", "workloads", "machine", "date"}
    assert report["data"] == {"contacts": 120, "companies": 12, "activities": 300, "tenants": 2}
    names = [w["name"] for w in report["workloads"]]
    assert names == ["contacts.list.page1", "contacts.list.deep", "contacts.list.filtered"]
    for workload in report["workloads"]:
        assert "missing" not in workload, workload
        assert isinstance(workload["p50_ms"], float) and isinstance(workload["p95_ms"], float)
        assert workload["p95_ms"] >= workload["p50_ms"] > 0
        assert isinstance(workload["queries"], int) and workload["queries"] > 0
    assert report["machine"]["cpus"] >= 1
    assert report["machine"]["postgresql"]


def test_bench_import_workload_and_missing_views(small_data, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(
        bench.WORKLOADS,
        "zz.missing",
        lambda ctx: bench.measure(ctx, [bench.url_for(ctx, "crm:nope")]),
    )
    out = tmp_path / "bench.json"
    call_command(
        "bench", "--tenant", "benchy", "--only", "contacts.import", "--only", "zz.",
        "--import-rows", "300", "--json", str(out), stdout=open("/dev/null", "w"),  # noqa: SIM115
    )  # fmt: skip
    workloads = {w["name"]: w for w in json.loads(out.read_text())["workloads"]}
    imported = workloads["contacts.import"]
    assert imported["rows"] == 300 and imported["rows_per_s"] > 0
    assert imported["created"] + imported["rejected"] == 300
    assert workloads["zz.missing"]["missing"] == "URL name crm:nope does not exist"
    assert "p50_ms" not in workloads["zz.missing"]
