"""Media that cannot run, and security headers everywhere.

Catalogue — what a hostile uploader or IIIF server tries, and what the platform does:

- Polyglots: a GIF, PNG or JPEG carrying HTML, SVG or a script (in a GIF or JPEG comment, a
  PNG text chunk, or appended after the image), named `x.html`, `x.htm`, `x.svg`, `x.xhtml`,
  `x.js`, `x`, `x.jpg.html` or `x.html.jpg`, sent through the API upload, inside a zip, from a
  server folder (`manage.py import_batch`) and by a IIIF manifest whose server calls it
  `text/html`: stored under the extension of its decoded format, waiting for ingest and once
  ingested, and served only with that image type, `nosniff` and a sandbox CSP.
- Files that are no image at all (a web page named `.jpg`, an SVG drawing, a PostScript/EPS
  file): refused with the reason, and never handed to a decoder outside the allowlist.
- A file already on disk under a name like `.html`, `.svg` or `.html.gz`: served as a download
  of bytes, never as a document.
- Headers: a page, an API answer, a media file and an export download carry a CSP without
  `unsafe-inline` (media: a sandbox), `nosniff`, `frame-ancestors 'none'` and a
  Referrer-Policy; static files say `nosniff` too; HTTPS answers carry HSTS; a bad
  CSP_REPORT_URI stops start-up.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image, PngImagePlugin

from tasks.models import BatchFile, Task
from tests.factories import TaskFactory
from tests.helpers import api_client
from tests.images import image_bytes, jpeg, zip_bytes
from tests.tasks.exports import download, run_export
from tests.tasks.uploads import batch_status, codes, failures, post_batch, stored_batch, upload
from worker.imaging.formats import format_sniff
from worker.imaging.ingest import NOT_IMAGE, ImageRejected, image_ingest

SCRIPT = b"<script>fetch('/api/me/').then(r => r.text()).then(alert)</script>"
HTML = b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"></svg>'
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n%%EOF\n"
MEDIA_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def _gif(seed: int, **save: object) -> bytes:
    return image_bytes(format="GIF", seed=seed, **save)


def _png_text(seed: int, payload: bytes) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", payload.decode())
    return image_bytes(format="PNG", seed=seed, pnginfo=info)


# (what it is, the format it decodes as, how to make one whose pixels depend on a seed)
POLYGLOTS: list[tuple[str, str, Callable[[int], bytes]]] = [
    ("gif-comment-html", "GIF", lambda seed: _gif(seed, comment=HTML)),
    ("gif-appended-script", "GIF", lambda seed: _gif(seed) + SCRIPT),
    ("png-text-svg", "PNG", lambda seed: _png_text(seed, SVG)),
    ("png-appended-html", "PNG", lambda seed: image_bytes(format="PNG", seed=seed) + HTML),
    ("jpeg-comment-script", "JPEG", lambda seed: image_bytes(seed=seed, comment=SCRIPT)),
    ("jpeg-appended-svg", "JPEG", lambda seed: jpeg(seed) + SVG),
]
NAMES = ["x.html", "x.htm", "x.svg", "x.xhtml", "x.js", "x", "x.jpg.html", "x.html.jpg"]
STORED = {
    "GIF": (".gif", "image/gif"),
    "PNG": (".png", "image/png"),
    "JPEG": (".jpg", "image/jpeg"),
}


def _catalogue() -> list[tuple[str, str, bytes]]:
    """(file name, decoded format, bytes) of every polyglot under every name, all different."""
    files = []
    for index, (kind, image_format, make) in enumerate(POLYGLOTS):
        for offset, name in enumerate(NAMES):
            files.append((f"{kind}/{name}", image_format, make(100 * index + offset)))
    return files


def _assert_served_as_image(client, url: str, image_format: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == STORED[image_format][1], url
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == MEDIA_CSP
    assert "attachment" not in response.get("Content-Disposition", "")
    assert "Content-Encoding" not in response


def _assert_tasks_are_images(client, expected: dict[str, str]) -> None:
    """Each name in `expected` opened a task whose original is stored and served as its format."""
    tasks = {task.original_name: task for task in Task.objects.all()}
    assert set(tasks) == set(expected)
    for name, image_format in expected.items():
        stored = tasks[name].image.name
        assert Path(stored).suffix == STORED[image_format][0], (name, stored)
        assert stored.count(".") == 1, stored  # nothing of the uploaded name survives
        _assert_served_as_image(client, f"/media/{stored}", image_format)


# --- Polyglots, by every way in ----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "image_format", "make"), POLYGLOTS, ids=[p[0] for p in POLYGLOTS])
def test_a_polyglot_uploaded_under_an_html_svg_script_or_doubled_name_is_stored_and_served_only_as_its_image_type(
    api, client, project, lead, committed, kind, image_format, make
):
    files = [upload(name, make(seed)) for seed, name in enumerate(NAMES)]
    body = post_batch(api, lead, project, committed, files=files).json()
    assert batch_status(api, body["id"])["counts"]["ok"] == len(NAMES), body
    _assert_tasks_are_images(client, dict.fromkeys(NAMES, image_format))


def test_a_polyglot_waiting_for_ingest_is_stored_under_its_image_extension_and_served_so_to_leads(
    client, project, lead
):
    catalogue = [(name.replace("/", "-"), fmt, data) for name, fmt, data in _catalogue()]
    batch = stored_batch(project, lead, [(name, data) for name, _, data in catalogue])
    records = {record.name: record for record in BatchFile.objects.filter(batch=batch)}
    client.force_login(lead)
    for name, image_format, _ in catalogue:
        stored = records[name].stored
        assert Path(stored).suffix == STORED[image_format][0], (name, stored)
        _assert_served_as_image(client, f"/media/{stored}", image_format)


def test_polyglots_inside_a_zip_are_stored_and_served_only_as_their_image_types(
    api, client, project, lead, committed
):
    catalogue = _catalogue()
    archive = zip_bytes([(name, data) for name, _, data in catalogue])
    body = post_batch(api, lead, project, committed, files=[upload("sheets.zip", archive)]).json()
    assert batch_status(api, body["id"])["counts"]["ok"] == len(catalogue)
    _assert_tasks_are_images(client, {name: fmt for name, fmt, _ in catalogue})


def test_polyglots_in_a_server_folder_imported_by_import_batch_are_stored_and_served_only_as_images(
    transactional_db, client, project, tmp_path
):
    catalogue = _catalogue()
    folder = tmp_path / "incoming"
    for name, _, data in catalogue:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    out = StringIO()
    call_command(
        "import_batch", project.slug, str(folder), "--wait", "--timeout", "60", "--json", stdout=out
    )
    assert json.loads(out.getvalue())["ok"] == len(catalogue)
    _assert_tasks_are_images(client, {name: fmt for name, fmt, _ in catalogue})


def test_polyglots_a_iiif_server_labels_x_html_and_sends_as_text_html_are_stored_and_served_only_as_images(
    api, client, project, lead, committed, settings
):
    from tests.iiif_server import http_server, manifest_v3

    settings.IIIF_IMPORT_ALLOW_PRIVATE = True
    catalogue = [(name.replace("/", "-"), fmt, data) for name, fmt, data in _catalogue()]
    routes: dict[str, tuple[int, bytes, dict[str, str]]] = {
        f"/image/{index}": (200, data, {"Content-Type": "text/html"})
        for index, (_, _, data) in enumerate(catalogue)
    }
    with http_server(routes) as base:
        canvases = [
            (name, f"{base}/image/{index}", None) for index, (name, _, _) in enumerate(catalogue)
        ]
        routes["/manifest.json"] = (200, json.dumps(manifest_v3(base, canvases)).encode(), {})
        body = post_batch(
            api, lead, project, committed, manifest_url=f"{base}/manifest.json"
        ).json()
        assert batch_status(api, body["id"])["counts"]["ok"] == len(catalogue)
    _assert_tasks_are_images(client, {name: fmt for name, fmt, _ in catalogue})


# --- What is no image at all -------------------------------------------------------------------


def test_a_web_page_an_svg_and_an_eps_under_image_names_are_refused_with_what_they_are(
    api, project, lead, committed, settings
):
    files = [upload("sheet.jpg", HTML), upload("sheet.png", SVG), upload("sheet.tif", EPS)]
    body = batch_status(api, post_batch(api, lead, project, committed, files=files).json()["id"])
    assert codes(body) == dict.fromkeys(["sheet.jpg", "sheet.png", "sheet.tif"], NOT_IMAGE)
    assert failures(body) == {
        "sheet.jpg": "Not an image: this file is a web page (HTML).",
        "sheet.png": "Not an image: this file is an SVG drawing.",
        "sheet.tif": "Not an image: this file is a PostScript or EPS file.",
    }
    assert not Task.objects.exists()
    assert not list((Path(settings.MEDIA_ROOT) / "projects").rglob("*.*"))


def test_an_eps_pillow_could_open_is_never_opened_by_the_platform(tmp_path):
    eps = tmp_path / "figure.jpg"
    eps.write_bytes(EPS)
    with Image.open(eps) as unrestricted:  # what an unrestricted Image.open would go on with
        assert unrestricted.format == "EPS"
    assert format_sniff(eps) is None
    with pytest.raises(ImageRejected) as rejected:
        image_ingest(
            eps,
            tiles_folder=tmp_path / "tiles",
            thumbnail_path=tmp_path / "thumb.jpg",
            base_id="/media/t",
            max_pixels=10**6,
        )
    assert (rejected.value.code, rejected.value.params) == (NOT_IMAGE, {"kind": "postscript"})
    assert not (tmp_path / "tiles").exists()


@pytest.mark.parametrize("name", ["abc.html", "abc.svg", "abc.xhtml", "abc.js", "abc.html.gz"])
def test_a_file_left_on_disk_under_a_document_name_is_served_only_as_a_download(
    client, settings, project, name
):
    path = Path(settings.MEDIA_ROOT) / f"projects/{project.pk}/originals/ab/{name}"
    path.parent.mkdir(parents=True)
    path.write_bytes(HTML)
    response = client.get(f"/media/projects/{project.pk}/originals/ab/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment"
    assert "Content-Encoding" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == MEDIA_CSP


def test_a_public_projects_info_json_stays_readable_json_for_viewers_elsewhere(
    client, settings, project
):
    path = Path(settings.MEDIA_ROOT) / f"projects/{project.pk}/iiif/ab/abc/info.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"id": "/media/x", "width": 1, "height": 1}))
    response = client.get(f"/media/projects/{project.pk}/iiif/ab/abc/info.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == MEDIA_CSP


# --- Headers everywhere ------------------------------------------------------------------------


def _assert_site_headers(response) -> None:
    policy = response["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'", policy
    assert directives["style-src"] == "'self'", policy
    assert directives["object-src"] == "'none'", policy
    assert directives["frame-ancestors"] == "'none'", policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_page_an_api_answer_a_media_file_and_an_export_download_carry_the_security_headers(
    client, project, lead, complete_tasks, django_capture_on_commit_callbacks
):
    _assert_site_headers(client.get("/"))
    _assert_site_headers(client.get(f"/projects/{project.slug}/"))
    _assert_site_headers(api_client().get("/api/projects/"))
    _assert_site_headers(api_client().get("/api/no-such-thing/"))
    export = run_export(api_client(lead), project, "csv", django_capture_on_commit_callbacks)
    _, response = download(api_client(lead), export)
    _assert_site_headers(response)
    task = TaskFactory(project=project)
    task.thumbnail.name = f"projects/{project.pk}/thumbnails/ab/abc.jpg"
    path = Path(task.thumbnail.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg())
    media = client.get(f"/media/{task.thumbnail.name}")
    assert media.status_code == 200
    assert media["Content-Security-Policy"] == MEDIA_CSP
    assert "frame-ancestors 'none'" in media["Content-Security-Policy"]
    assert media["X-Content-Type-Options"] == "nosniff"
    assert media["Referrer-Policy"] == "same-origin"


def test_the_api_docs_page_runs_no_inline_script_or_style(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    _assert_site_headers(page)
    html = page.content.decode()
    assert "<style" not in html
    assert html.count("<script") == html.count("<script src=")
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_pages_write_no_inline_style_or_script_the_policy_would_block(
    client, project, lead, complete_tasks
):
    client.force_login(lead)
    for url in ("/", f"/projects/{project.slug}/", f"/projects/{project.slug}/my-feedback/"):
        html = client.get(url).content.decode()
        assert " style=" not in html, url
        scripts = html.split("<script")[1:]
        inline = [tag for tag in scripts if " src=" not in tag.split(">")[0]]
        # Data for the modules is JSON, which browsers never run.
        assert all('type="application/json"' in tag.split(">")[0] for tag in inline), url


def test_an_https_answer_carries_hsts_and_a_plain_http_one_does_not(db, client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    assert "max-age=31536000" in client.get("/", secure=True)["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in client.get("/")


def test_a_csp_report_uri_that_is_no_url_stops_start_up():
    from tests.crowd.test_config import run_django

    result = run_django("", CSP_REPORT_URI="javascript:alert(1)")
    assert result.returncode != 0
    assert "CSP_REPORT_URI='javascript:alert(1)' must be an http(s) URL" in result.stderr
    reported = run_django(
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['report-uri'])",
        CSP_REPORT_URI="/csp-reports/",
    )
    assert reported.stdout.strip() == "['/csp-reports/']", reported.stderr


def test_a_polyglot_name_never_chooses_the_stored_name_even_with_a_known_image_extension(
    api, project, lead, committed
):
    # A GIF named .jpg is a GIF: the type follows the bytes, not the name.
    gif = _gif(7, comment=HTML)
    body = post_batch(api, lead, project, committed, files=[upload("x.jpg", gif)]).json()
    assert batch_status(api, body["id"])["counts"]["ok"] == 1
    assert Task.objects.get().image.name.endswith(".gif")
    assert Image.open(io.BytesIO(gif)).format == "GIF"


def test_a_static_file_served_before_django_still_says_nosniff(db):
    from crowd.static import StaticFilesApp

    static = StaticFilesApp(app=None)
    response = static._find("/static/js/sizes.js").get_response("GET", {})
    assert dict(response.headers)["X-Content-Type-Options"] == "nosniff"
