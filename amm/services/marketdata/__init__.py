"""The marketdata actor: ``logic`` is the pure core, ``service`` the process around it."""
