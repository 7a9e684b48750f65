"""AMM-500's backtester: the actors' pure cores driven in-process against the venue's engine.

Public API (import from the modules; this package imports nothing, so ``amm.common.config`` can
import ``settings`` for its ``[backtest]`` table without a cycle):

- ``amm.backtest.driver.run_backtest(config, source, settings, *, seed=None, metrics=None)``
  -> ``amm.backtest.result.BacktestResult`` (``to_json()``, ``summary()``);
- ``amm.backtest.recorded.replay_recording(config, path)`` -> ``RecordingResult``;
- ``amm.backtest.sweep.run_sweep(...)``, ``rank(...)``, ``write_csv(...)``;
- ``amm.backtest.sources.parse_source(text, start=, end=)``;
- ``amm.backtest.settings.BacktestSettings`` (the ``[backtest]`` table) and ``settings_of``;
- ``amm.backtest.latency`` (latency models), ``amm.backtest.queues`` (queue models),
  ``amm.backtest.metrics.FillMetric`` (the plug-in point for trade metrics);
- ``amm.backtest.report.write_report(result, path)``;
- ``amm.backtest.cli.backtest_command`` / ``sweep_command`` (what ``amm backtest``/``amm sweep``
  run). See README.md in this folder.
"""
