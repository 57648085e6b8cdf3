"""One-off operator commands (migrate, create-admin, seed-demo, reconcile, ...): `python -m ops --help`.

Not part of the deployed function app: the pipeline and operators run them from a checkout.
"""
