"""All key material named by a user, loaded in one call with one-sentence errors.

The command line (``--keylog``, ``--key``, ``--psk``, ``--ephemeral-key``),
the Python API and the explorer all load key material here, so a missing key
log reads the same everywhere.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterable

from .keyring import KeyMaterial

__all__ = ["load_key_material", "map_keylog"]

PathLike = str | os.PathLike[str]


def map_keylog(path: PathLike) -> bytes | mmap.mmap:
    """The key log file, memory-mapped (small or special files: read)."""
    with open(path, "rb") as f:
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):  # empty, a pipe, ...
            return f.read()


def load_key_material(
    keylogs: Iterable[PathLike] = (),
    rsa_keys: Iterable[PathLike] = (),
    psks: Iterable[str] = (),
    ephemeral_keys: Iterable[PathLike] = (),
    *,
    key_password: str | None = None,
    warn: Callable[[str], None] | None = None,
    material: KeyMaterial | None = None,
) -> KeyMaterial:
    """Key material from files; raises ``MaterialError`` (one plain sentence).

    Key logs are indexed, not parsed: a big key log costs a regular-expression
    pass and 8 bytes a line, and its lines are parsed when a connection needs
    them.  Lines that are not key log entries are skipped; ``warn`` hears one
    sentence about them.
    """
    material = material if material is not None else KeyMaterial()
    for path in keylogs:
        try:
            text = map_keylog(path)
        except OSError as err:
            # imported here: the material module loads cryptography, which a
            # summary with a key log does not otherwise need
            from .material import MaterialError

            if isinstance(err, FileNotFoundError):
                why = "does not exist"
            elif isinstance(err, IsADirectoryError):
                why = "is a directory, not a file"
            else:
                why = f"cannot be read ({err.strerror})"
            raise MaterialError(f"the key log {path} {why}.") from None
        before = len(material.keylog.problems)
        material.keylog.add_indexed(text, source=str(path))
        bad = material.keylog.problems[before:]
        if bad and warn is not None:
            warn(
                f"the key log {path} has {len(bad)} line(s) that are not key log entries "
                f"(first: line {bad[0].line}, {bad[0].message})."
            )
    rsa_keys, psks, ephemeral_keys = list(rsa_keys), list(psks), list(ephemeral_keys)
    if not (rsa_keys or psks or ephemeral_keys):
        return material
    from .material import load_ephemeral_keys, load_rsa_keys, parse_psk

    for path in rsa_keys:
        material.rsa_keys.extend(load_rsa_keys(path, key_password))
    for psk in psks:
        material.psks.append(parse_psk(psk))
    for path in ephemeral_keys:
        material.ephemeral.extend(load_ephemeral_keys(path))
    return material
