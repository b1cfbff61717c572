"""One widget a module; each declares the messages it posts."""
