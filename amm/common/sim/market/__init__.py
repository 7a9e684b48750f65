"""Market models that make the paper venue's (and the backtester's) public market."""
