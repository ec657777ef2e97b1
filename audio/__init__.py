"""Audio capture and streaming speech recognition. Plain Python: never imports Qt."""
