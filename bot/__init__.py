"""A reading chatbot: answers questions about course readings with cited, verbatim extracts.

The pieces, in the order data flows through them: ``documents`` (files → Document),
``chunking`` (Document → Chunks), ``embedding`` (text → vectors), ``store`` (the index
on disk), ``sync`` (folder ↔ index), ``retrieval`` (question → Hits), ``answer``
(Hits → Answer), ``pipeline`` (all of it, as ``Bot``), and the edges ``cli`` and ``web``.
"""

__version__ = "0.1.0"
