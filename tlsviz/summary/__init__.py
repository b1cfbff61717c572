"""The summary of big captures: one row per connection (``decode --summary``).

This package is the fast path.  It reads captures of hundreds of thousands of
packets on several processes (:mod:`.parallel`, :mod:`.loop`), follows each
connection only until its row is settled (:mod:`.builder`), reads the hellos
without field trees (:mod:`.hellos`) and checks the Finished messages with a
key log without the full key flow (:mod:`.quickkeys`).

It decides nothing about the protocol itself.  Every fact in a row — the
version (drafts included), the suite, the group, the server name, ALPN, the
HelloRetryRequest, whether and how the handshake resumed, the key status and
its reason — comes from :mod:`tlsviz.wire` (:mod:`tlsviz.wire.facts` and its
readers :mod:`tlsviz.wire.facts_hello`, :mod:`tlsviz.wire.facts_ext`;
:mod:`tlsviz.wire.framing`) and :mod:`tlsviz.keys` (:mod:`tlsviz.keys.status`,
and the full key flow whenever the quick check has no verdict of its own),
the same functions the full decoder uses or is checked against.  What it
decides is only how much work to skip: when a row is settled, which
connections the tight loop follows itself.  So a bug in a fact is fixed in
``wire/`` (or ``keys/``), and both ``decode --json`` and ``decode --summary``
change with it; a test compares every key the two give, for every connection
of every capture at hand and of fresh handshakes made over loopback.

Start-up matters here (a summary of a small file takes a tenth of a second):
modules on this path import nothing heavy at module level (no json, pathlib,
dataclasses, pickle; the decoder and cryptography only when keys need them),
and this ``__init__`` imports nothing.  Entry points: :func:`.rows.summary_rows`
(one process), :func:`.parallel.summarize_parallel` (several), and
:class:`.row.Summary` (a row).
"""
