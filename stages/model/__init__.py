"""The model's math, by concern: corpus, counting, evaluation, network, sampling. Pure functions."""
