"""Host-side model work: training data, training, export to integer artefacts and validation.

The enclave never imports this package (it needs numpy, xgboost and scikit-learn).
"""
