"""The Flask gallery over the photodesk catalog."""
