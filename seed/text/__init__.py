"""The words of the seed dataset: vocabularies and templates, kept apart from the code using them."""
