"""Workflow definitions. ``states.nomination`` holds the nomination workflow."""
