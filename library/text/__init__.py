"""Text of captions and names: the caption parser, name comparison, house style."""
