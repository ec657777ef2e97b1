"""Screen capture, OCR and prompt parsing. Plain Python: never imports Qt."""
