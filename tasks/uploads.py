"""Upload handling for batches: big files stream to disk, and stop being written past the cap.

Django writes an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE into a temporary file. A file
larger than UPLOAD_MAX_FILE_BYTES would be refused by the batch service anyway; this handler
stops writing it at the cap (the batch's cap for a zip) (while still counting its bytes), so a 10 GB mistake does not fill
the disk before it is reported. The service sees `size` above the cap and says so.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        # A zip holds a whole batch: it is capped by the batch's limit instead.
        zipped = str(self.file_name or "").lower().endswith(".zip")
        cap = settings.UPLOAD_MAX_BATCH_BYTES if zipped else settings.UPLOAD_MAX_FILE_BYTES
        room = cap + 1 - self.received
        self.received += len(raw_data)
        if room > 0:
            self.file.write(raw_data[:room])
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            uploaded.size = self.received  # what was sent, even past the cap
        return uploaded
