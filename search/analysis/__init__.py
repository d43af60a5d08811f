"""Swedish/English text analysis: tokens, stems, compounds, synonyms, identifiers, queries.

Import from the submodules (``search.analysis.analyzer.Analyzer`` ...); this package module
stays empty so ``search.documents`` can use ``search.analysis.identifiers`` without cycles.
"""
