"""The top of Valbar's layer order: what assembles the product from the packages below.

``valbar.app`` builds the web app (the API of ``api`` with the pages of ``ui`` mounted),
``valbar.cli`` is the ``valbar`` command line, ``valbar.demo`` seeds the demo marketplace
and ``valbar.serving`` supervises the ``valbar serve`` worker processes. Nothing below
imports this package (see README, "Architecture: layers").
"""
