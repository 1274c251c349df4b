"""Makes the shared browser fixture available to every test in this folder."""
from helpers import browser  # noqa: F401
