"""A real S3-compatible server for the document store tests: moto's S3 server on 127.0.0.1
(a free port, one per run), fake credentials in the environment, no AWS access. Each test
gets a bucket of its own; `store` runs a test once per store (local and s3)."""

from __future__ import annotations

import dataclasses
import os
import socket
import stat
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from integrations.storage.base import DocumentStore
from integrations.storage.local import LocalStore
from integrations.storage.s3 import S3Store
from vetting import current
from vetting.current import settings_of, store_of

REGION = "us-east-1"
PREFIX = "tenant-a/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1; boto3 finds fake credentials and nothing of the host's
    (no config files, no instance metadata, no proxy)."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            mp.delenv(name)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        mp.setenv("no_proxy", "127.0.0.1,localhost")
        port = _free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> Any:
    """A plain boto3 client on the server, to look at (and tamper with) what is stored."""
    import boto3

    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"vetting-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def s3_config(endpoint: str, bucket: str) -> dict[str, Any]:
    """create_app overrides for an app whose documents are in `bucket`."""
    return {
        "DOCUMENT_STORE": "s3",
        "S3_BUCKET": bucket,
        "S3_PREFIX": PREFIX,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
    }


def use_s3(app: Flask, endpoint: str, bucket: str) -> S3Store:
    """Point an app's document store at `bucket` (its settings say so too)."""
    store = S3Store(app.instance_path, bucket, prefix=PREFIX, endpoint_url=endpoint, region=REGION)
    app.extensions[current.DOCUMENTS] = store
    app.extensions[current.KEY] = dataclasses.replace(
        settings_of(app),
        document_store="s3",
        s3_bucket=bucket,
        s3_prefix=PREFIX,
        s3_endpoint_url=endpoint,
        s3_region=REGION,
    )
    return store


@dataclasses.dataclass
class Stored:
    """What a store holds, seen from outside it (the folder, or the bucket)."""

    store: DocumentStore
    s3: Any = None

    @property
    def kind(self) -> str:
        return self.store.kind

    def names(self) -> list[str]:
        """Every document's name, and any stray file or object beside them."""
        if isinstance(self.store, LocalStore):
            folder = self.store.folder
            return sorted(os.listdir(folder)) if folder.exists() else []
        assert isinstance(self.store, S3Store)
        found = self.s3.list_objects_v2(Bucket=self.store.bucket).get("Contents", [])
        return sorted(o["Key"].removeprefix(self.store.prefix) for o in found)

    def read(self, sha: str) -> bytes:
        with self.store.open(sha) as fh:
            return fh.read()

    def keys(self) -> list[str]:
        assert isinstance(self.store, S3Store)
        found = self.s3.list_objects_v2(Bucket=self.store.bucket).get("Contents", [])
        return sorted(o["Key"] for o in found)

    def tamper(self, sha: str, data: bytes) -> None:
        """Replace a stored document's bytes behind the service's back."""
        if isinstance(self.store, LocalStore):
            path = self.store.path(sha)
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)
            path.write_bytes(data)
            return
        assert isinstance(self.store, S3Store)
        self.s3.put_object(Bucket=self.store.bucket, Key=self.store.key(sha), Body=data)

    def remove(self, sha: str) -> None:
        self.store.delete(sha)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, app: Flask) -> Stored:
    """The test's app with each store in turn."""
    if request.param == "local":
        return Stored(store_of(app))
    endpoint = request.getfixturevalue("s3_endpoint")
    client = request.getfixturevalue("s3")
    return Stored(use_s3(app, endpoint, request.getfixturevalue("bucket")), client)
