"""Valbar's domain model and storage: manufacturers, products, retailers, offers, feed runs."""
