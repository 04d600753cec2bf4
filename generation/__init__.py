"""Optional grounded generation: an LLM rephrases the cited sources, checked sentence by sentence."""
