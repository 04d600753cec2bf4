"""Build-time tooling, not imported by the running application."""
