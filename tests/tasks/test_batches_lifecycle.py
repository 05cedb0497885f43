"""Batches after upload: withdrawal, roles, IIIF manifest imports, the import_batch command and
seed_demo's batches."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tasks.models import Batch, BatchFile, Lease, Role, Task, Transcription
from tasks.services.batches import batch_start
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.images import PDF, jpeg, zip_bytes
from tests.tasks.uploads import batch_status, codes, failures, post_batch, stored_batch, upload

# --- Withdrawal ------------------------------------------------------------------------------


def test_withdrawing_a_batch_takes_its_open_tasks_out_of_the_queue_and_keeps_transcriptions(
    api, project, lead, committed, transcribe
):
    from tasks.services.leases import lease_grant

    body = post_batch(
        api, lead, project, committed, files=[upload(f"{i}.jpg", jpeg(i)) for i in range(3)]
    ).json()
    volunteer = UserFactory()
    MembershipFactory(project=project, user=volunteer, role=Role.CONTRIBUTOR)
    transcribe(project, {"scientificName": "Quercus robur L."}, user=volunteer, key="k1")
    other = UserFactory()
    live = lease_grant(project=project, user=other)
    with committed():
        response = api.post(f"/api/batches/{body['id']}/withdraw/")
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    assert set(Task.objects.values_list("state", flat=True)) == {"withdrawn"}
    assert Transcription.objects.count() == 1
    live.refresh_from_db()
    assert live.state == "expired"
    assert lease_grant(project=project, user=UserFactory()) is None
    assert Lease.objects.filter(state="active").count() == 0
    # Withdrawing again changes nothing.
    assert api.post(f"/api/batches/{body['id']}/withdraw/").status_code == 200


def test_files_not_yet_ingested_when_a_batch_is_withdrawn_are_not_ingested(project, lead):
    from tasks.services.batches import batch_withdraw
    from tasks.services.ingest import batch_ingest_here

    batch = stored_batch(project, lead, [("a.jpg", jpeg(1)), ("b.jpg", jpeg(2))])
    batch_start(batch_id=batch.pk, send=False)
    batch_withdraw(batch_id=batch.pk, actor=lead)
    batch_ingest_here(batch_id=batch.pk)
    assert not Task.objects.exists()
    assert set(BatchFile.objects.values_list("state", flat=True)) == {"withdrawn"}


# --- Roles -----------------------------------------------------------------------------------


def test_a_contributor_may_not_upload_see_batch_errors_or_withdraw(
    api, project, lead, contributor, committed
):
    body = post_batch(api, lead, project, committed, files=[upload("a.jpg", jpeg(1))]).json()
    api.force_authenticate(contributor)
    refused = api.post(
        f"/api/projects/{project.slug}/batches/",
        {"files": [upload("b.jpg", jpeg(2))]},
        format="multipart",
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "Only the project's leads may do this."
    assert api.get(f"/api/batches/{body['id']}/").status_code == 403
    assert api.post(f"/api/batches/{body['id']}/withdraw/").status_code == 403
    assert api.post(f"/api/batches/{body['id']}/start/").status_code == 403
    assert api.get(f"/api/projects/{project.slug}/batches/").status_code == 403
    assert Task.objects.get().state == "open"


def test_an_outsider_of_a_members_only_project_is_told_nothing_exists(api, outsider, committed):
    hidden = ProjectFactory(visibility="members")
    lead = MembershipFactory(project=hidden, role=Role.LEAD).user
    body = post_batch(api, lead, hidden, committed, files=[upload("a.jpg", jpeg(1))]).json()
    api.force_authenticate(outsider)
    assert api.get(f"/api/batches/{body['id']}/").status_code == 404
    assert api.post(f"/api/batches/{body['id']}/withdraw/").status_code == 404
    posted = api.post(
        f"/api/projects/{hidden.slug}/batches/", {"files": [upload("b.jpg", jpeg(2))]}
    )
    assert posted.status_code == 404
    assert api.get("/api/batches/999999/").status_code == 404


def test_anonymous_visitors_may_not_upload(api, project):
    response = api.post(f"/api/projects/{project.slug}/batches/", {"files": [upload("a", b"x")]})
    assert response.status_code in (401, 403)


def test_the_upload_page_is_for_leads_and_linked_from_the_settings(
    client, project, lead, contributor
):
    client.force_login(lead)
    page = client.get(f"/projects/{project.slug}/batches/")
    assert page.status_code == 200
    assert b"data-batch-upload" in page.content
    settings_page = client.get(f"/projects/{project.slug}/settings/")
    assert f"/projects/{project.slug}/batches/".encode() in settings_page.content
    client.force_login(contributor)
    assert client.get(f"/projects/{project.slug}/batches/").status_code == 403


# --- IIIF manifests --------------------------------------------------------------------------


def test_a_iiif_manifest_is_imported_through_its_image_service(
    api, project, lead, committed, settings
):
    from tests.iiif_server import http_server, manifest_v3

    settings.IIIF_IMPORT_ALLOW_PRIVATE = True
    routes: dict[str, tuple[int, bytes, dict[str, str]]] = {
        "/iiif/a/full/max/0/default.jpg": (200, jpeg(1), {"Content-Type": "image/jpeg"}),
        "/b.jpg": (200, jpeg(2), {"Content-Type": "image/jpeg"}),
        "/c.jpg": (200, PDF, {"Content-Type": "application/pdf"}),
    }
    with http_server(routes) as base:
        manifest = manifest_v3(
            base,
            [
                ("Sheet A", f"{base}/a.jpg", f"{base}/iiif/a"),
                ("Sheet B", f"{base}/b.jpg", None),
                ("Sheet C", f"{base}/c.jpg", None),
                ("Sheet D", f"{base}/gone.jpg", None),
            ],
        )
        routes["/manifest.json"] = (200, json.dumps(manifest).encode(), {})
        body = post_batch(
            api, lead, project, committed, manifest_url=f"{base}/manifest.json"
        ).json()
        body = batch_status(api, body["id"])
    assert body["state"] == "done"
    assert body["counts"]["ok"] == 2
    assert codes(body) == {"Sheet C": "not_image", "Sheet D": "fetch_failed"}
    assert "HTTP 404" in failures(body)["Sheet D"]
    task = Task.objects.get(original_name="Sheet A")
    assert task.metadata["Barcode"] == "B1"
    assert task.iiif_path


# --- import_batch and seed_demo --------------------------------------------------------------


def test_import_batch_waits_and_prints_the_result_as_json(transactional_db, project, tmp_path):
    # Committed for real: the command waits for jobs that run when its transaction commits.
    folder = tmp_path / "sheets"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(jpeg(1))
    (folder / "sub" / "b.jpg").write_bytes(jpeg(2))
    (folder / "sub" / "copy.jpg").write_bytes(jpeg(2))
    (folder / "notes.jpg").write_bytes(PDF)
    (folder / ".DS_Store").write_bytes(b"junk")
    (folder / "more.zip").write_bytes(zip_bytes([("c.jpg", jpeg(3))]))
    metadata = tmp_path / "meta.csv"
    metadata.write_text("file,barcode\na.jpg,A1\nb.jpg,B1\n")
    out = StringIO()
    call_command(
        "import_batch",
        project.slug,
        str(folder),
        "--metadata",
        str(metadata),
        "--wait",
        "--timeout",
        "30",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["ok"] == 3
    assert result["duplicates"] == 1
    assert result["failed"] == [
        {"file": "notes.jpg", "error": "Not an image: this file is a PDF document."}
    ]
    assert result["batch"] == Batch.objects.get().pk
    assert Task.objects.get(original_name="sub/b.jpg").metadata == {"barcode": "B1"}


def test_import_batch_refuses_an_unknown_project_and_a_bad_csv(project, tmp_path):
    from django.core.management.base import CommandError

    (tmp_path / "a.jpg").write_bytes(jpeg(1))
    with pytest.raises(CommandError):
        call_command("import_batch", "no-such-project", str(tmp_path / "a.jpg"))
    (tmp_path / "m.csv").write_bytes(b"nothing,here\n")
    with pytest.raises(CommandError, match="no column naming the files"):
        call_command(
            "import_batch",
            project.slug,
            str(tmp_path / "a.jpg"),
            "--metadata",
            str(tmp_path / "m.csv"),
        )


def test_seed_demo_tasks_get_iiif_tiles(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", images=1, stdout=StringIO())
    for task in Task.objects.all():
        assert task.iiif_path
        assert (Path(settings.MEDIA_ROOT) / task.iiif_path / "info.json").is_file()
        assert task.metadata
