"""Contact forecasting per interval: a weekday × interval baseline, a robust level ×
profile method that beats it, an intraday reforecast and manual uplifts.

See docs/dev/planning.md for the methods and the backtest.
"""
