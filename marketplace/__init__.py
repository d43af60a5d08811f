"""The marketplace: reviews, one cart split into orders per retailer, RMA, campaigns,
measured retailer signals, retailer statistics and GDPR export/deletion.

Services are plain functions taking a SQLAlchemy ``Session`` (the caller commits) and raising
the typed errors of :mod:`marketplace.errors`; the API maps those to problem+json.
"""
