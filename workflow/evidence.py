"""Holding evidence files: what may be uploaded, and how it is stored (issue 5).

Only images (JPEG, PNG, GIF, WebP — Pillow must open and verify them) and PDFs (the
`%PDF-` header) are accepted, up to `settings.EVIDENCE_MAX_UPLOAD_BYTES`. The type is
read from the content, never from the name or the browser's Content-Type; the file is
stored through Django's storage under a generated name (uuid + the extension of the type
found), the uploaded name kept only as display text.

The services (`services.evidence_upload`, `services.declaration_hold`) check permission
and state, then call `inspect` / `upload_problems` before anything is stored, and `store`
inside their transaction. Files stored inside `files_kept_only_on_success()` are deleted
again when the block fails, so a refused or rolled-back upload leaves no file behind.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from PIL import Image

from policies.models import Programme
from policies.rules import Problem
from workflow import audit
from workflow.models import Declaration, Evidence, EvidenceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Pillow format name → the content type stored. Nothing else is opened (no SVG, no TIFF…).
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
PDF_MAGIC = b"%PDF-"
ACCEPTED = "JPEG、PNG、GIF、WebP图片或PDF文件"


@dataclass(frozen=True)
class Upload:
    """One file a person hands in. `field` names the form field problems belong to."""

    file: File
    kind: str
    channel: str = ""
    field: str = "file"

    @property
    def display_name(self) -> str:
        """The uploaded name as display text only: no path, no control characters."""
        name = os.path.basename(str(self.file.name or "").replace("\\", "/"))
        name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
        return name[:200] or "未命名文件"


@dataclass(frozen=True)
class Checked:
    upload: Upload
    content_type: str | None
    size: int
    sha256: str
    problems: tuple[Problem, ...]


def _image_type(file: File) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=list(IMAGE_FORMATS)) as image:
                found = image.format
                image.verify()
    except Exception:  # noqa: BLE001 - anything Pillow cannot read is simply not an image
        return None
    return IMAGE_FORMATS.get(found)


def _size(count: int) -> str:
    return filesizeformat(count).replace("\xa0", " ")  # plain text for the API as for the page


def inspect(upload: Upload) -> Checked:
    """The file's size, digest and real type; problems when it is empty, too large or neither image nor PDF."""
    file, name = upload.file, upload.display_name
    size = file.size or 0
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    if size == 0:
        return Checked(upload, None, 0, "", (Problem(upload.field, f"“{name}”是空文件，请重新选择。", "evidence_empty"),))
    if size > limit:
        return Checked(upload, None, size, "", (Problem(
            upload.field, f"“{name}”大小为{_size(size)}，超过了上传上限{_size(limit)}。", "evidence_too_large",
        ),))
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    head = file.read(len(PDF_MAGIC))
    file.seek(0)
    content_type = "application/pdf" if head == PDF_MAGIC else _image_type(file)
    file.seek(0)
    problems = () if content_type else (Problem(
        upload.field, f"“{name}”不是图片或PDF文件：举办证据只接受{ACCEPTED}。", "evidence_type",
    ),)
    return Checked(upload, content_type, size, digest.hexdigest(), problems)


def upload_problems(programme: Programme, checked: Sequence[Checked]) -> list[Problem]:
    """The file problems plus the kind and channel of each upload."""
    channels = {c["code"]: c["label"] for c in programme.publicity_channels}
    problems: list[Problem] = []
    for item in checked:
        upload = item.upload
        problems += item.problems
        if upload.kind not in EvidenceKind.values:
            problems.append(Problem("kind", f"“{upload.kind}”不是规定的证据类别，可选：{'、'.join(EvidenceKind.labels)}。", "evidence_kind"))
        if upload.channel and upload.channel not in channels:
            problems.append(Problem("channel", f"“{upload.channel}”不是规定的宣传渠道，可选：{'、'.join(channels.values())}。", "evidence_channel"))
        elif upload.kind == EvidenceKind.PUBLICITY and not upload.channel:
            problems.append(Problem("channel", f"宣传报道截图须注明宣传渠道：{'、'.join(channels.values())}。", "evidence_channel_required"))
    return problems


# ------------------------------------------------------------------ storing

_stored: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("evidence_stored", default=None)


@contextlib.contextmanager
def files_kept_only_on_success() -> Iterator[None]:
    """Delete the files stored inside this block if it raises (its transaction rolled back).

    Nested blocks hand their files to the enclosing one, so a page that runs a service
    inside its own transaction (a task page) removes them when that outer work fails.
    """
    outer = _stored.get()
    mine: list[str] = []
    token = _stored.set(mine)
    try:
        yield
    except BaseException:
        for name in mine:
            default_storage.delete(name)
        raise
    finally:
        _stored.reset(token)
    if outer is not None:
        outer.extend(mine)


def store(declaration: Declaration, checked: Sequence[Checked], *, by: User) -> list[Evidence]:
    """Save each checked file and its row, one audit event each. The caller holds the
    declaration row locked, runs inside `files_kept_only_on_success()` and its transaction,
    and saves the declaration's audit head afterwards."""
    saved = []
    pending = _stored.get()
    for item in checked:
        upload = item.upload
        evidence = Evidence(
            declaration=declaration, unit=declaration.unit, kind=upload.kind, channel=upload.channel,
            original_name=upload.display_name, content_type=item.content_type, size=item.size,
            sha256=item.sha256, uploaded_by=by,
        )
        evidence.file.save(upload.display_name, upload.file, save=False)
        if pending is not None:
            pending.append(evidence.file.name)
        evidence.save(force_insert=True)
        audit.record(
            action="upload_evidence", actor=by, declaration=declaration, from_state=declaration.state,
            to_state=declaration.state, changed={"evidence": {
                "id": evidence.pk, "kind": evidence.kind, "channel": evidence.channel, "name": evidence.original_name,
                "content_type": evidence.content_type, "size": evidence.size, "sha256": evidence.sha256,
            }},
        )
        saved.append(evidence)
    return saved
