"""The product's settings with one more route, the load phase's bare reference view
(benchmarks/reference_urls.py): everything else, middleware included, is the product's."""

from followup_project.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.reference_urls"
