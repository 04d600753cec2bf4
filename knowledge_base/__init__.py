"""The knowledge base: storage, importers, chunking and versions of what Wenzheng may say."""
