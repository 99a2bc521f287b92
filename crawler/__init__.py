"""Visits and captures pages; judges nothing."""
