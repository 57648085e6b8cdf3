"""Code the function modules share: settings, data access, the ledger, auth, models and errors."""
