"""The catalog: products, categories, tags, options; search and browsing."""
