# bench: build rules (filled in by the work on this area).
