# tools/ollama-sim: build rules (filled in by the work on this area).
