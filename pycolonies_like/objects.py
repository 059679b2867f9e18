"""The bytes of ColonyFS files, in an S3-compatible object store.

The server keeps file metadata only; clients move the bytes themselves, as
ColonyOS' clients do, configured by the same variables: AWS_S3_ENDPOINT
(host:port), AWS_S3_ACCESSKEY, AWS_S3_SECRETKEY, AWS_S3_REGION, AWS_S3_TLS,
AWS_S3_SKIPVERIFY, AWS_S3_BUCKET. Objects get random names; what was sent
is checked against its SHA256 on the way back. Needs boto3 (the `s3` extra).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pycolonies_like.core.errors import FailedPrecondition, InvalidArgument, Unavailable
from pycolonies_like.core.models import S3Object

Progress = Callable[[int], None]  # called with the bytes moved since the last call
_CHUNK = 1024 * 1024


def s3_configured(env: Mapping[str, str] | None = None) -> bool:
    """Whether files go to S3 (AWS_S3_ENDPOINT is set) or to the server's own storage."""
    return bool((os.environ if env is None else env).get("AWS_S3_ENDPOINT", "").strip())


def _true(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class S3Settings:
    server: str
    port: int
    tls: bool = False
    accesskey: str = ""
    secretkey: str = ""
    region: str = ""
    bucket: str = ""
    skipverify: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> S3Settings:
        env = os.environ if env is None else env
        endpoint = env.get("AWS_S3_ENDPOINT", "")
        host, sep, port = endpoint.rpartition(":")
        if not endpoint or not sep or not port.isdigit():
            raise InvalidArgument(
                f"AWS_S3_ENDPOINT must be host:port, got {endpoint!r} (set the AWS_S3_* "
                "variables to use files)"
            )
        return cls(
            server=host, port=int(port), tls=_true(env.get("AWS_S3_TLS", "")),
            accesskey=env.get("AWS_S3_ACCESSKEY", ""), secretkey=env.get("AWS_S3_SECRETKEY", ""),
            region=env.get("AWS_S3_REGION", ""), bucket=env.get("AWS_S3_BUCKET", ""),
            skipverify=_true(env.get("AWS_S3_SKIPVERIFY", "")),
        )  # fmt: skip

    def at(self, ref: S3Object) -> S3Settings:
        """These credentials, for the endpoint and bucket an object names."""
        return S3Settings(ref.server, ref.port, ref.tls, self.accesskey, self.secretkey,
                          ref.region or self.region, ref.bucket, self.skipverify)  # fmt: skip

    def ref(self, objectname: str) -> S3Object:
        """Where an object is, as the server keeps it: no credentials."""
        return S3Object(server=self.server, port=self.port, tls=self.tls, region=self.region,
                        object=objectname, bucket=self.bucket)  # fmt: skip


def _client(s: S3Settings) -> Any:
    try:
        import boto3
    except ImportError:
        raise FailedPrecondition("files need boto3: pip install 'pycolonies-like[s3]'") from None
    return boto3.client(
        "s3", endpoint_url=f"http{'s' if s.tls else ''}://{s.server}:{s.port}",
        aws_access_key_id=s.accesskey or None, aws_secret_access_key=s.secretkey or None,
        region_name=s.region or None, use_ssl=s.tls, verify=not s.skipverify,
    )  # fmt: skip


def _storage_error(err: Exception, what: str) -> Exception:
    """boto3's errors, as this SDK's: one line naming what failed."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(err, ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchKey", "NoSuchBucket"):
            return FailedPrecondition(f"{what}: the object store has no such object ({code})")
        return Unavailable(f"{what}: the object store refused: {code or err}")
    if isinstance(err, BotoCoreError):
        return Unavailable(f"{what}: cannot reach the object store: {err}")
    return err


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_path(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def new_object_name() -> str:
    return secrets.token_hex(32)


def _ensure_bucket(client: Any, bucket: str) -> None:
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
            raise
        client.create_bucket(Bucket=bucket)


def put(
    s: S3Settings, *, data: bytes | None = None, path: Path | None = None,
    progress: Progress | None = None,
) -> S3Object:  # fmt: skip
    """Stores bytes (or a file) as a new object; returns its reference."""
    if not s.bucket:
        raise InvalidArgument("AWS_S3_BUCKET is not set")
    name = new_object_name()
    try:
        client = _client(s)
        _ensure_bucket(client, s.bucket)
        if path is not None:
            client.upload_file(str(path), s.bucket, name, Callback=progress)
        else:
            client.put_object(Bucket=s.bucket, Key=name, Body=data or b"")
            if progress:
                progress(len(data or b""))
    except Exception as err:
        raise _storage_error(err, "upload") from None
    return s.ref(name)


def get_bytes(s: S3Settings, ref: S3Object, checksum: str) -> bytes:
    try:
        body = _client(s.at(ref)).get_object(Bucket=ref.bucket, Key=ref.object)["Body"].read()
    except Exception as err:
        raise _storage_error(err, f"download of {ref.object}") from None
    _check(sha256_of(body), checksum, ref.object)
    return bytes(body)


def get_file(
    s: S3Settings, ref: S3Object, checksum: str, dst: Path, progress: Progress | None = None
) -> Path:
    """Downloads to a temporary name beside `dst`, checks it, then renames it,
    so `dst` is either the whole, checked file or untouched."""
    partial = dst.with_name(f".{dst.name}.part")
    try:
        _client(s.at(ref)).download_file(ref.bucket, ref.object, str(partial), Callback=progress)
        _check(sha256_of_path(partial), checksum, dst.name)
        os.replace(partial, dst)
    except Exception as err:
        partial.unlink(missing_ok=True)
        raise _storage_error(err, f"download of {dst.name}") from None
    return dst


def delete(s: S3Settings, ref: S3Object) -> None:
    try:
        _client(s.at(ref)).delete_object(Bucket=ref.bucket, Key=ref.object)
    except Exception as err:
        raise _storage_error(err, f"removal of {ref.object}") from None


def _check(got: str, expected: str, what: str) -> None:
    if expected and got != expected.lower():
        raise FailedPrecondition(
            f"checksum of {what} does not match: got {got}, expected {expected}"
        )
