"""Machine reading (OCR) of images: words with their boxes and confidences.

Pure Python over the Tesseract command (through pytesseract): no Django. The platform stores
what `image_read` returns (tasks.services.readings); the consensus engine may count it as one
more vote (worker.consensus.machine).
"""

from worker.ocr.tesseract import (
    ENGINE,
    OcrFailed,
    Reading,
    Word,
    engine_languages,
    engine_version,
    image_read,
    reading_lines,
)

__all__ = [
    "ENGINE",
    "OcrFailed",
    "Reading",
    "Word",
    "engine_languages",
    "engine_version",
    "image_read",
    "reading_lines",
]
