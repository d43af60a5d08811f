"""Valbar's outer layer: the HTTP API and the command line, thin over the library."""
