"""The quoter actor: the quoting model and its parameters (`quote.intent` on the bus).

logic.py is the pure core; fair.py, volatility.py, intensity.py, models.py, ladder.py,
defence.py and throttle.py are its parts; settings.py is the `[quoter]` config table;
service.py is the process.
"""
