"""Multi-dialog flows shared by several screens."""
