"""Report site built from storage only."""
