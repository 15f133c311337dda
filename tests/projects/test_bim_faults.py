"""Bad input and faults of a model's reading (issue 15), on the real database with the real child process: a
reader killed mid-read leaves the model "failed, retry" with no elements and the previous version current, and the
retry reads it; a reading whose worker died is failed (retryable) by the sweep once its heartbeat is stale, a live
one is left alone; a truncated file, a file that is not an IFC, an unsupported schema and a model without readable
geometry are failed with the reason and never touch the current version. (What is refused before it is stored —
not an IFC, unsupported schema, over the size limit, with the 413 before reading — is in test_bim_upload_checks.)"""

import datetime
import sys
import zipfile
from pathlib import Path

import ifcopenshell
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import override

from portal.core.errors import ApplicationError
from projects.bim import tasks
from projects.bim.ifcfile import check_ifc
from projects.bim.reading import FAULT_ENV
from projects.bim.samples import build_ifc
from projects.models import BimElement, BimModel, BimModelState

sys.path.insert(0, str(Path(__file__).parent))  # the reading tests' fixtures, beside this file
from test_bim_reading import _media, project, upload_model  # noqa: E402,F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def building(tmp_path):
    path = tmp_path / "building.ifc"
    build_ifc(path)
    return path


@pytest.fixture
def current(project, building) -> BimModel:  # noqa: F811
    """Version 1, read and current."""
    model = upload_model(project, building)
    assert tasks.read_model.delay(model.pk).get() == "ready"
    model.refresh_from_db()
    assert model.is_current
    return model


def read(model: BimModel) -> BimModel:
    with override("en"):
        tasks.read_model.delay(model.pk).get()
    model.refresh_from_db()
    return model


def assert_failed(model: BimModel, current: BimModel, *, retryable: bool) -> None:
    assert (model.state, model.retryable, model.is_current) == (BimModelState.FAILED, retryable, False)
    assert not BimElement.objects.filter(model=model).exists() and not model.geometry
    assert model.finished_at is not None
    current.refresh_from_db()
    assert current.is_current and current.state == BimModelState.READY
    assert BimElement.objects.filter(model=current).count() == current.element_count == 14


def test_a_reader_killed_mid_read_leaves_the_model_failed_retryable_and_the_retry_reads_it(
        project, building, current, monkeypatch):  # noqa: F811
    model = upload_model(project, building)
    monkeypatch.setenv(FAULT_ENV, "5")  # the child SIGKILLs itself after its 5th shape

    model = read(model)

    assert_failed(model, current, retryable=True)
    assert model.error == "The reading was interrupted (signal SIGKILL); retry."
    assert model.attempts == 1 and model.peak_memory_kb > 0

    monkeypatch.delenv(FAULT_ENV)
    model = read(model)

    assert (model.state, model.is_current, model.attempts, model.error) == (BimModelState.READY, True, 2, "")
    assert BimElement.objects.filter(model=model).count() == 14
    current.refresh_from_db()
    assert not current.is_current


def test_a_model_refused_for_good_is_not_read_again(project, building, current, tmp_path):  # noqa: F811
    half = tmp_path / "half.ifc"
    half.write_bytes(building.read_bytes()[: building.stat().st_size // 2])
    model = read(upload_model(project, half))
    assert model.state == BimModelState.FAILED and not model.retryable

    assert tasks.read_model.delay(model.pk).get() == "skipped"
    model.refresh_from_db()
    assert model.attempts == 1


def test_the_sweep_fails_a_reading_whose_worker_died_and_leaves_a_live_one(project, building, settings):  # noqa: F811
    settings.BIM_READ_STALE_SECONDS = 900
    now = timezone.now()
    dead = upload_model(project, building)
    live = upload_model(project, building)
    BimModel.objects.filter(pk=dead.pk).update(state=BimModelState.READING, started_at=now - datetime.timedelta(
        hours=1), heartbeat_at=now - datetime.timedelta(seconds=901), progress=40)
    BimModel.objects.filter(pk=live.pk).update(state=BimModelState.READING, started_at=now - datetime.timedelta(
        hours=1), heartbeat_at=now - datetime.timedelta(seconds=60), progress=40)

    with override("en"):
        assert tasks.sweep_stale_readings.delay().get() == 1

    dead.refresh_from_db()
    live.refresh_from_db()
    assert (dead.state, dead.retryable) == (BimModelState.FAILED, True)
    assert dead.error == ("The reader gave no sign of life for 15 minutes (its worker was probably stopped); "
                          "retry.")
    assert (live.state, live.retryable, live.error) == (BimModelState.READING, False, "")
    # the failed one may be retried: it is read
    assert read(dead).state == BimModelState.READY


def test_a_truncated_file_passes_the_header_check_and_fails_the_reading(
        project, building, current, tmp_path):  # noqa: F811
    half = tmp_path / "half.ifc"
    content = building.read_bytes()
    half.write_bytes(content[: len(content) // 2])
    assert check_ifc(SimpleUploadedFile("half.ifc", half.read_bytes())).schema == "IFC4"

    model = read(upload_model(project, half))

    assert_failed(model, current, retryable=False)
    assert model.error == (f"The file is cut short: it ends after {len(content) // 2:,} bytes without the "
                           "END-ISO-10303-21; that closes an IFC file. Upload the complete file again.")


def test_a_truncated_ifczip_fails_the_reading_too(project, building, current, tmp_path):  # noqa: F811
    zipped = tmp_path / "half.ifczip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("half.ifc", building.read_bytes()[:9000])

    model = read(upload_model(project, zipped))

    assert_failed(model, current, retryable=False)
    assert model.error.startswith("The file is cut short: it ends after 9,000 bytes")


def test_a_file_that_is_not_an_ifc_is_refused_and_fails_the_reading_if_stored_anyway(
        project, current, tmp_path):  # noqa: F811
    pdf = tmp_path / "drawing.ifc"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    with override("en"), pytest.raises(ApplicationError) as refused:
        check_ifc(SimpleUploadedFile("drawing.ifc", pdf.read_bytes()))
    assert refused.value.extra == {"file": ["The file is not an IFC model: it does not start with ISO-10303-21;."]}

    model = read(upload_model(project, pdf))

    assert_failed(model, current, retryable=False)
    assert model.error == "The file is not an IFC model: it does not start with ISO-10303-21;."


def test_an_unsupported_schema_is_refused_naming_it_and_fails_the_reading_if_stored_anyway(
        project, current, tmp_path):  # noqa: F811
    path = tmp_path / "ifc4x3.ifc"
    build_ifc(path, schema="IFC4X3")
    message = "The model is in the IFC4X3_ADD2 schema; only IFC2X3 and IFC4 models can be read."
    with override("en"), pytest.raises(ApplicationError) as refused:
        check_ifc(SimpleUploadedFile("ifc4x3.ifc", path.read_bytes()))
    assert refused.value.extra == {"file": [message]}

    model = read(upload_model(project, path))

    assert_failed(model, current, retryable=False)
    assert model.error == message


def test_a_model_whose_elements_have_no_readable_geometry_fails(project, building, current, tmp_path):  # noqa: F811
    ifc = ifcopenshell.open(str(building))
    for product in ifc.by_type("IfcProduct"):
        product.Representation = None
    shapeless = tmp_path / "shapeless.ifc"
    ifc.write(str(shapeless))

    model = read(upload_model(project, shapeless))

    assert_failed(model, current, retryable=False)
    assert model.error == ("No geometry could be read from the model: none of its 14 elements has a shape "
                           "IfcOpenShell can build.")
