"""The execution actor: live orders, the fill journal, the exchange connection for trading.

The pure core is ``logic.ExecutionCore`` and the modules it is built from (``cloids``,
``actions``, ``orders``, ``planner``, ``gate``, ``budget``, ``recovery``, ``wire``);
``journal.FillJournal`` is the SQLite fill journal. The process around them is ``service.py``.
"""
